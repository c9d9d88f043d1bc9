namespace Emulator.Core.Smmu;

/// <summary>Why <see cref="Command.Validate()"/> refused a command; anything but <see cref="None"/> means
/// the command queue stops with CERROR_ILL.</summary>
/// <remarks>
/// SMMUv3 §4.1.3 (Command errors) and §4.1.5 (Reserved fields). The architecture lets an
/// implementation either ignore non-zero reserved fields or treat them as malformed; this model
/// treats them as malformed (<see cref="ReservedFieldSet"/>) so that a driver bug is loud. The
/// reasons are a diagnostic for the "guest error" log; the architecture reports all of them as the
/// single code <see cref="CommandError.Illegal"/>.
/// </remarks>
public enum IllegalCommandReason : byte
{
    /// <summary>The command is legal.</summary>
    None = 0,

    /// <summary>The opcode is Reserved, or a command this model does not accept (see <see cref="CommandOpcode"/>).</summary>
    UnknownOpcode,

    /// <summary>A bit outside every field the command defines is set (§4.1.5).</summary>
    ReservedFieldSet,

    /// <summary>SSec is 1 on the Non-secure command queue (§4.1.6): always ILLEGAL.</summary>
    SecureStreamOnNonSecureQueue,

    /// <summary>CMD_ATC_INV.Size is above 52 (§4.5.1: "permitted, but not required, to raise a CERROR_ILL"; this model raises it).</summary>
    AtcInvSizeTooLarge,

    /// <summary>CMD_PRI_RESP.Resp is 0b11 (§4.5.2).</summary>
    PriResponseReserved,

    /// <summary>CMD_SYNC.CS is 0b11 (§4.7.3).</summary>
    SyncCsReserved,

    /// <summary>A range TLBI with TG != 0 and NUM == 0, SCALE == 0, TTL == 0 (§4.4.1.1: Reserved, CERROR_ILL).</summary>
    TlbiRangeReserved,

    /// <summary>A TLBI with TG == 16KB and TTL == 0b01 on an SMMU without IDR5.DS (§4.4.1.1).</summary>
    TlbiTtlReserved,

    /// <summary>CMD_ATC_INV with IDR0.ATS == 0 (§4.5.1).</summary>
    AtsNotImplemented,

    /// <summary>CMD_PRI_RESP with IDR0.PRI == 0 (§4.5.2).</summary>
    PriNotImplemented,

    /// <summary>CMD_RESUME with IDR0.STALL_MODEL == 0b01 (§4.7.1).</summary>
    StallNotImplemented,

    /// <summary>A stage 1 command (CMD_CFGI_CD*, CMD_TLBI_NH_*) with IDR0.S1P == 0 (§4.3.3, §4.4.2).</summary>
    Stage1NotImplemented,

    /// <summary>CMD_TLBI_S12_VMALL with IDR0.S2P == 0 (§4.4.3.2).</summary>
    Stage2NotImplemented,

    /// <summary>CMD_TLBI_EL2_ALL with IDR0.Hyp == 0 (§4.4.2.7).</summary>
    HypNotImplemented,
}

namespace Emulator.Core.Smmu;

/// <summary>The opcode in bits 7:0 of a command-queue entry, for the commands this model accepts.</summary>
/// <remarks>
/// SMMUv3 §4.1.1 (Command opcodes); names and values as Linux <c>CMDQ_OP_*</c> in <c>arm-smmu-v3.h</c>.
/// Every other value, including commands the architecture defines but this model does not accept
/// (CMD_PREFETCH_ADDR 0x02, CMD_CFGI_VMS_PIDM, the EL2 VA/ASID forms, CMD_TLBI_S2_IPA,
/// CMD_STALL_TERM, the Secure and EL3 forms), is refused with CERROR_ILL by
/// <see cref="Command.Validate()"/>. For all but CMD_PREFETCH_ADDR that is what the architecture
/// requires of an SMMU with this model's ID registers (§4.4.2, §4.4.3, §4.7.2); CMD_PREFETCH_ADDR is
/// a deliberate omission (Linux never issues it).
/// </remarks>
public enum CommandOpcode : byte
{
    /// <summary>CMD_PREFETCH_CONFIG (§4.2.1); Linux <c>CMDQ_OP_PREFETCH_CFG</c>.</summary>
    PrefetchConfig = 0x01,

    /// <summary>CMD_CFGI_STE (§4.3.1).</summary>
    CfgiSte = 0x03,

    /// <summary>CMD_CFGI_STE_RANGE (§4.3.2): 2^(Range+1) StreamIDs aligned to their size.</summary>
    CfgiSteRange = 0x04,

    /// <summary>CMD_CFGI_ALL (§4.3.6) is CMD_CFGI_STE_RANGE with Range 31; Linux <c>CMDQ_OP_CFGI_ALL</c>.</summary>
    CfgiAll = CfgiSteRange,

    /// <summary>CMD_CFGI_CD (§4.3.3).</summary>
    CfgiCd = 0x05,

    /// <summary>CMD_CFGI_CD_ALL (§4.3.4).</summary>
    CfgiCdAll = 0x06,

    /// <summary>CMD_TLBI_NH_ALL (§4.4.2.1).</summary>
    TlbiNhAll = 0x10,

    /// <summary>CMD_TLBI_NH_ASID (§4.4.2.2).</summary>
    TlbiNhAsid = 0x11,

    /// <summary>CMD_TLBI_NH_VA (§4.4.2.4).</summary>
    TlbiNhVa = 0x12,

    /// <summary>CMD_TLBI_NH_VAA (§4.4.2.3).</summary>
    TlbiNhVaa = 0x13,

    /// <summary>CMD_TLBI_EL2_ALL (§4.4.2.7).</summary>
    TlbiEl2All = 0x20,

    /// <summary>CMD_TLBI_S12_VMALL (§4.4.3.2).</summary>
    TlbiS12Vmall = 0x28,

    /// <summary>CMD_TLBI_NSNH_ALL (§4.4.4.1).</summary>
    TlbiNsnhAll = 0x30,

    /// <summary>CMD_ATC_INV (§4.5.1).</summary>
    AtcInv = 0x40,

    /// <summary>CMD_PRI_RESP (§4.5.2).</summary>
    PriResp = 0x41,

    /// <summary>CMD_RESUME (§4.7.1).</summary>
    Resume = 0x44,

    /// <summary>CMD_SYNC (§4.7.3); Linux <c>CMDQ_OP_CMD_SYNC</c>.</summary>
    Sync = 0x46,
}

namespace Emulator.Core.Smmu;

/// <summary>CMD_SYNC.CS, the completion signal (word 0 bits 13:12).</summary>
/// <remarks>SMMUv3 §4.7.3; Linux <c>CMDQ_SYNC_0_CS_{NONE,IRQ,SEV}</c>. 0b11 is Reserved and makes the
/// command ILLEGAL (CERROR_ILL).</remarks>
public enum SyncCs : byte
{
    /// <summary>SIG_NONE: no signal; MSIAddress, MSIData and MSIAttr are IGNORED.</summary>
    None = 0,

    /// <summary>SIG_IRQ: interrupt; with MSIs, a 32-bit write of MSIData to MSIAddress when it is non-zero.</summary>
    Irq = 1,

    /// <summary>SIG_SEV: a WFE wake-up event (equivalent to SIG_NONE when IDR0.SEV is 0).</summary>
    Sev = 2,
}

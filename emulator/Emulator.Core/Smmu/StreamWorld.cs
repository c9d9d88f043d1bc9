namespace Emulator.Core.Smmu;

/// <summary>STE.STRW (word 1 bits 31:30): the translation regime a stream's stage 1 belongs to.</summary>
/// <remarks>SMMUv3 §5.2 STRW; Linux <c>STRTAB_STE_1_STRW_{NSEL1,EL2}</c>. Decides which TLBI commands
/// reach the stream's TLB entries (NH_* for EL1, EL2_* for EL2).</remarks>
public enum StreamWorld : byte
{
    /// <summary>Non-secure EL1 (the only value for a stage 1-only SMMU without Hyp).</summary>
    NsEl1 = 0,

    /// <summary>EL2 (needs IDR0.Hyp).</summary>
    El2 = 2,

    /// <summary>EL2 with E2H (ASID-tagged; needs IDR0.Hyp and CR2.E2H).</summary>
    El2E2H = 3,
}

namespace Emulator.Core.Smmu;

/// <summary>STE.EATS (word 1 bits 29:28): whether the stream may use ATS.</summary>
/// <remarks>SMMUv3 §5.2 EATS; Linux <c>STRTAB_STE_1_EATS_{ABT,TRANS,S1CHK}</c>. Treated as
/// <see cref="Abort"/> when Config is bypass. 0b11 is Reserved (ILLEGAL).</remarks>
public enum AtsMode : byte
{
    /// <summary>ATS Translation Requests get UR and F_BAD_ATS_TREQ; Translated traffic is F_TRANSL_FORBIDDEN under CR0.ATSCHK.</summary>
    Abort = 0,

    /// <summary>Full ATS: Translation Requests are answered with the full (all stages) translation.</summary>
    Translate = 1,

    /// <summary>Split-stage ATS: requests get the stage 1 result; Translated traffic goes through stage 2.</summary>
    SplitStage = 2,
}

namespace Emulator.Core.Smmu;

/// <summary>STE.S1DSS (word 1 bits 1:0): what a transaction without a SubstreamID does when substreams
/// are enabled (S1CDMax &gt; 0).</summary>
/// <remarks>SMMUv3 §5.2 S1DSS; Linux <c>STRTAB_STE_1_S1DSS_*</c>. 0b11 is Reserved (ILLEGAL).</remarks>
public enum DefaultSubstream : byte
{
    /// <summary>Abort it and record F_STREAM_DISABLED.</summary>
    Terminate = 0,

    /// <summary>Bypass stage 1 as though Config were 0b1x0.</summary>
    Bypass = 1,

    /// <summary>Translate it with the CD at index 0; a transaction with SubstreamID 0 is then F_STREAM_DISABLED.</summary>
    Substream0 = 2,
}

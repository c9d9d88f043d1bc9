namespace Emulator.Core.Smmu;

/// <summary>STE.S1Fmt (word 0 bits 5:4): the layout of the CD table STE.S1ContextPtr points to.</summary>
/// <remarks>SMMUv3 §5.2 S1Fmt; Linux defines <c>STRTAB_STE_0_S1FMT_LINEAR</c> 0 and
/// <c>STRTAB_STE_0_S1FMT_64K_L2</c> 2 (Linux's 2-level CD tables use 1024-CD leaves). IGNORED when
/// S1CDMax is 0 (one CD). 0b11 is Reserved and behaves as <see cref="Linear"/>; a non-linear format
/// without IDR0.CD2L is ILLEGAL.</remarks>
public enum CdTableFormat : byte
{
    /// <summary>2^S1CDMax CDs in one table indexed by SubstreamID[S1CDMax-1:0].</summary>
    Linear = 0,

    /// <summary>L1CDs indexed by SubstreamID[S1CDMax-1:6], each to a 4 KiB table of 64 CDs indexed by SubstreamID[5:0].</summary>
    TwoLevel4K = 1,

    /// <summary>L1CDs indexed by SubstreamID[S1CDMax-1:10], each to a 64 KiB table of 1024 CDs indexed by SubstreamID[9:0].</summary>
    TwoLevel64K = 2,
}

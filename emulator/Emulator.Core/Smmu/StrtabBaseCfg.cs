using static Emulator.Core.Smmu.SmmuBits;

namespace Emulator.Core.Smmu;

/// <summary>SMMU_STRTAB_BASE_CFG (offset 0x88): stream table format, split point and size.</summary>
/// <remarks>
/// SMMUv3 §6.3.25; Linux <c>STRTAB_BASE_CFG_*</c>: FMT 17:16, SPLIT 10:6, LOG2SIZE 5:0. The
/// <c>Effective*</c> members apply the spec's rules for out-of-range values instead of failing: a
/// Reserved FMT behaves as linear, a SPLIT other than 6, 8 or 10 behaves as 6, and LOG2SIZE is capped
/// at IDR1.SIDSIZE for range checks and indexing (but not for the base alignment).
/// </remarks>
public readonly struct StrtabBaseCfg : IEquatable<StrtabBaseCfg>
{
    public StrtabBaseCfg(uint raw) => Raw = raw;

    public uint Raw { get; }

    /// <summary>FMT, bits 17:16, as written.</summary>
    public int Format => (int)Get(Raw, 17, 16);

    /// <summary>SPLIT, bits 10:6, as written.</summary>
    public int Split => (int)Get(Raw, 10, 6);

    /// <summary>LOG2SIZE, bits 5:0, as written.</summary>
    public int Log2Size => (int)Get(Raw, 5, 0);

    /// <summary>The format the SMMU uses (Reserved values behave as linear).</summary>
    public StreamTableFormat EffectiveFormat => Format == 1 ? StreamTableFormat.TwoLevel : StreamTableFormat.Linear;

    /// <summary>The split the SMMU uses: 6, 8 or 10 (4, 16 or 64 KiB leaf tables); anything else behaves as 6.</summary>
    public int EffectiveSplit => Split is 6 or 8 or 10 ? Split : 6;

    /// <summary>StreamIDs at or above 2^this are out of range (C_BAD_STREAMID).</summary>
    public int EffectiveLog2Size(int sidSize) => Math.Min(Log2Size, sidSize);

    /// <summary>True when <paramref name="sid"/> is inside the table's StreamID range.</summary>
    public bool Contains(uint sid, int sidSize) => ((ulong)sid >> EffectiveLog2Size(sidSize)) == 0;

    /// <summary>Index of <paramref name="sid"/>'s L1STD in a 2-level table: StreamID[LOG2SIZE-1:SPLIT].</summary>
    public uint L1Index(uint sid) => sid >> EffectiveSplit;

    /// <summary>Index of <paramref name="sid"/>'s STE in its level-2 array: StreamID[SPLIT-1:0].</summary>
    public uint L2Index(uint sid) => sid & ((1u << EffectiveSplit) - 1);

    /// <summary>The table base the SMMU uses: a linear table is aligned to its size
    /// (ADDR[LOG2SIZE+5:0] = 0), a 2-level table to the larger of 64 bytes and its L1 array
    /// (ADDR[MAX(5, LOG2SIZE-SPLIT-1+3):0] = 0); both from the literal LOG2SIZE.</summary>
    public ulong EffectiveBase(StrtabBase strtabBase)
    {
        int topZeroBit = EffectiveFormat == StreamTableFormat.Linear
            ? Log2Size + 5
            : Math.Max(5, Log2Size - EffectiveSplit - 1 + 3);
        return topZeroBit >= 63 ? 0 : strtabBase.Address & ~((2UL << topZeroBit) - 1);
    }

    /// <summary>Builds the register value.</summary>
    public static StrtabBaseCfg Create(StreamTableFormat format, int split, int log2Size)
    {
        CheckWidth((ulong)split, 5, nameof(split));
        CheckWidth((ulong)log2Size, 6, nameof(log2Size));
        return new((uint)(Prep(17, 16, (ulong)format) | Prep(10, 6, (ulong)split) | (uint)log2Size));
    }

    public bool Equals(StrtabBaseCfg other) => Raw == other.Raw;
    public override bool Equals(object? obj) => obj is StrtabBaseCfg o && Equals(o);
    public override int GetHashCode() => (int)Raw;
    public override string ToString() => $"STRTAB_BASE_CFG[{EffectiveFormat} split={Split} log2size={Log2Size}]";
}

using System.Buffers.Binary;

namespace Emulator.Core.Smmu;

/// <summary>An 8-byte L1STD: one entry of the upper level of a 2-level stream table.</summary>
/// <remarks>
/// SMMUv3 §5.1 (L1STD); Linux <c>STRTAB_L1_DESC_SPAN</c> 4:0 and <c>STRTAB_L1_DESC_L2PTR_MASK</c> 51:6
/// (the spec's field is 55:6). Span 0 marks the descriptor invalid; 1–11 give a level-2 array of
/// 2^(Span-1) STEs; 12–31 are Reserved and behave as 0. A Span above SPLIT+1 is out of bounds: the
/// StreamIDs it covers get C_BAD_STREAMID (§7.3.3). The SMMU aligns L2Ptr to the array's size.
/// </remarks>
public readonly struct StreamTableDescriptor : IEquatable<StreamTableDescriptor>
{
    public const int Size = 8;

    /// <summary>L2Ptr, bits 51:6.</summary>
    public const ulong L2PtrMask = 0x000F_FFFF_FFFF_FFC0UL;

    /// <summary>The largest architected Span (2^10 STEs, a 64 KiB level-2 array).</summary>
    public const int MaxSpan = 11;

    public StreamTableDescriptor(ulong raw) => Raw = raw;

    public ulong Raw { get; }

    /// <summary>Span, bits 4:0, as written.</summary>
    public int Span => (int)(Raw & 0x1F);

    /// <summary>L2Ptr, bits 51:6, as written.</summary>
    public ulong L2Ptr => Raw & L2PtrMask;

    /// <summary>True when the descriptor is usable under <paramref name="split"/>: Span in 1..11 and at most SPLIT+1.</summary>
    public bool IsValid(int split) => Span is >= 1 and <= MaxSpan && Span <= split + 1;

    /// <summary>STEs in the level-2 array, 2^(Span-1); 0 when Span is 0 or Reserved.</summary>
    public uint StreamCount => Span is >= 1 and <= MaxSpan ? 1u << (Span - 1) : 0;

    /// <summary>The level-2 array's address as the SMMU uses it: L2Ptr[5+(Span-1):0] taken as zero.</summary>
    public ulong EffectiveL2Address => StreamCount == 0 ? 0 : L2Ptr & ~((1UL << (6 + Span - 1)) - 1);

    /// <summary>A descriptor for a level-2 array of 2^(<paramref name="span"/>-1) STEs at <paramref name="l2Pa"/>;
    /// Linux uses span = <c>STRTAB_SPLIT</c> + 1 = 9 (256 STEs, one PCI bus).</summary>
    public static StreamTableDescriptor Create(ulong l2Pa, int span)
    {
        if ((uint)span > MaxSpan)
        {
            throw new ArgumentOutOfRangeException(nameof(span), span, "must be 0..11");
        }
        return new((l2Pa & L2PtrMask) | (uint)span);
    }

    /// <summary>Reads a descriptor from the first 8 bytes of <paramref name="source"/> (little-endian).</summary>
    public static StreamTableDescriptor ReadFrom(ReadOnlySpan<byte> source) => new(BinaryPrimitives.ReadUInt64LittleEndian(source));

    /// <summary>Writes the descriptor, little-endian, to the first 8 bytes of <paramref name="destination"/>.</summary>
    public void WriteTo(Span<byte> destination) => BinaryPrimitives.WriteUInt64LittleEndian(destination, Raw);

    public bool Equals(StreamTableDescriptor other) => Raw == other.Raw;
    public override bool Equals(object? obj) => obj is StreamTableDescriptor o && Equals(o);
    public override int GetHashCode() => Raw.GetHashCode();
    public override string ToString() => $"l1std[span={Span} l2={L2Ptr:x}]";
}

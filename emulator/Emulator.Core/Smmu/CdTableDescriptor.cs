using System.Buffers.Binary;

namespace Emulator.Core.Smmu;

/// <summary>An 8-byte L1CD: one entry of the upper level of a 2-level CD table.</summary>
/// <remarks>SMMUv3 §5.3 (L1CD); Linux <c>CTXDESC_L1_DESC_V</c> bit 0 and <c>CTXDESC_L1_DESC_L2PTR_MASK</c>
/// 51:12 (the spec's field is 55:12). A CD fetch through an L1CD with V 0 aborts the transaction with
/// C_BAD_SUBSTREAMID. Level-2 tables are 4 KiB-aligned (L2Ptr[11:0] taken as zero); with
/// <see cref="CdTableFormat.TwoLevel64K"/> L2Ptr[15:12] are RES0 as well.</remarks>
public readonly struct CdTableDescriptor : IEquatable<CdTableDescriptor>
{
    public const int Size = 8;

    /// <summary>L2Ptr, bits 51:12.</summary>
    public const ulong L2PtrMask = 0x000F_FFFF_FFFF_F000UL;

    public CdTableDescriptor(ulong raw) => Raw = raw;

    public ulong Raw { get; }

    /// <summary>V, bit 0.</summary>
    public bool Valid => (Raw & 1) != 0;

    /// <summary>L2Ptr, bits 51:12: the level-2 CD table's address.</summary>
    public ulong L2Ptr => Raw & L2PtrMask;

    /// <summary>A valid descriptor for the level-2 table at <paramref name="l2Pa"/> (Linux <c>arm_smmu_write_cd_l1_desc</c>).</summary>
    public static CdTableDescriptor Create(ulong l2Pa) => new((l2Pa & L2PtrMask) | 1);

    /// <summary>Reads a descriptor from the first 8 bytes of <paramref name="source"/> (little-endian).</summary>
    public static CdTableDescriptor ReadFrom(ReadOnlySpan<byte> source) => new(BinaryPrimitives.ReadUInt64LittleEndian(source));

    /// <summary>Writes the descriptor, little-endian, to the first 8 bytes of <paramref name="destination"/>.</summary>
    public void WriteTo(Span<byte> destination) => BinaryPrimitives.WriteUInt64LittleEndian(destination, Raw);

    public bool Equals(CdTableDescriptor other) => Raw == other.Raw;
    public override bool Equals(object? obj) => obj is CdTableDescriptor o && Equals(o);
    public override int GetHashCode() => Raw.GetHashCode();
    public override string ToString() => Valid ? $"l1cd[l2={L2Ptr:x}]" : "l1cd[invalid]";
}

using System.Buffers.Binary;

namespace Emulator.Core.Kernel.Devices;

/// <summary>
/// <c>struct sva_desc</c>: one job for the SVA device, 64 bytes, little-endian, fetched by the device
/// by DMA from the submitting process's memory.
/// </summary>
/// <remarks>Layout (docs/guest-abi.md): op u32 @0, flags u32 @4, src u64 @8, dst u64 @16, len u64 @24,
/// pattern u64 @32, completion u64 @40, reserved u64[2] @48.</remarks>
public readonly record struct SvaDescriptor
{
    public const int Size = 64;

    public const int OffsetOp = 0;
    public const int OffsetFlags = 4;
    public const int OffsetSrc = 8;
    public const int OffsetDst = 16;
    public const int OffsetLen = 24;
    public const int OffsetPattern = 32;
    public const int OffsetCompletion = 40;
    public const int OffsetReserved0 = 48;
    public const int OffsetReserved1 = 56;

    /// <summary>The raw op word (not necessarily a defined <see cref="SvaOp"/>).</summary>
    public SvaOp Op { get; init; }
    /// <summary>Reserved flag bits; must be zero.</summary>
    public uint Flags { get; init; }
    /// <summary>Source address (process virtual address).</summary>
    public ulong Src { get; init; }
    /// <summary>Destination address.</summary>
    public ulong Dst { get; init; }
    /// <summary>Bytes to process.</summary>
    public ulong Len { get; init; }
    /// <summary>FILL's pattern; CRC32C's initial CRC (low 32 bits).</summary>
    public ulong Pattern { get; init; }
    /// <summary>Address of the <c>struct sva_completion</c> the device writes (32-byte aligned).</summary>
    public ulong Completion { get; init; }
    public ulong Reserved0 { get; init; }
    public ulong Reserved1 { get; init; }

    public static SvaDescriptor Read(ReadOnlySpan<byte> b) => new()
    {
        Op = (SvaOp)BinaryPrimitives.ReadUInt32LittleEndian(b[OffsetOp..]),
        Flags = BinaryPrimitives.ReadUInt32LittleEndian(b[OffsetFlags..]),
        Src = BinaryPrimitives.ReadUInt64LittleEndian(b[OffsetSrc..]),
        Dst = BinaryPrimitives.ReadUInt64LittleEndian(b[OffsetDst..]),
        Len = BinaryPrimitives.ReadUInt64LittleEndian(b[OffsetLen..]),
        Pattern = BinaryPrimitives.ReadUInt64LittleEndian(b[OffsetPattern..]),
        Completion = BinaryPrimitives.ReadUInt64LittleEndian(b[OffsetCompletion..]),
        Reserved0 = BinaryPrimitives.ReadUInt64LittleEndian(b[OffsetReserved0..]),
        Reserved1 = BinaryPrimitives.ReadUInt64LittleEndian(b[OffsetReserved1..]),
    };

    public void Write(Span<byte> b)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(b[OffsetOp..], (uint)Op);
        BinaryPrimitives.WriteUInt32LittleEndian(b[OffsetFlags..], Flags);
        BinaryPrimitives.WriteUInt64LittleEndian(b[OffsetSrc..], Src);
        BinaryPrimitives.WriteUInt64LittleEndian(b[OffsetDst..], Dst);
        BinaryPrimitives.WriteUInt64LittleEndian(b[OffsetLen..], Len);
        BinaryPrimitives.WriteUInt64LittleEndian(b[OffsetPattern..], Pattern);
        BinaryPrimitives.WriteUInt64LittleEndian(b[OffsetCompletion..], Completion);
        BinaryPrimitives.WriteUInt64LittleEndian(b[OffsetReserved0..], Reserved0);
        BinaryPrimitives.WriteUInt64LittleEndian(b[OffsetReserved1..], Reserved1);
    }

    /// <summary>Checks the fields against the op's contract (docs/guest-abi.md § Validation), in field order.</summary>
    /// <returns><see cref="SvaInvalidReason.None"/> when the device may run it.</returns>
    public SvaInvalidReason Validate()
    {
        if (Op is < SvaOp.Copy or > SvaOp.Crc32C)
        {
            return SvaInvalidReason.Op;
        }
        if (Flags != 0)
        {
            return SvaInvalidReason.Flags;
        }
        if (Len == 0 || Len > SvaAbi.MaxLength)
        {
            return SvaInvalidReason.Length;
        }
        bool usesSrc = Op != SvaOp.Fill;
        bool usesDst = Op != SvaOp.Crc32C;
        if (usesSrc ? Src > ulong.MaxValue - Len : Src != 0)
        {
            return SvaInvalidReason.Source;
        }
        if (usesDst ? Dst > ulong.MaxValue - Len : Dst != 0)
        {
            return SvaInvalidReason.Destination;
        }
        bool patternOk = Op switch
        {
            SvaOp.Fill => true,
            SvaOp.Crc32C => Pattern <= uint.MaxValue,
            _ => Pattern == 0,
        };
        if (!patternOk)
        {
            return SvaInvalidReason.Pattern;
        }
        if (Reserved0 != 0 || Reserved1 != 0)
        {
            return SvaInvalidReason.Reserved;
        }
        if (Op == SvaOp.Copy && Src < Dst + Len && Dst < Src + Len)
        {
            return SvaInvalidReason.Overlap;
        }
        return SvaInvalidReason.None;
    }
}

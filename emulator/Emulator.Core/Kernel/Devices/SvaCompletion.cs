using System.Buffers.Binary;

namespace Emulator.Core.Kernel.Devices;

/// <summary>
/// <c>struct sva_completion</c>: what the device writes by DMA when a descriptor finishes, 32 bytes,
/// little-endian, 32-byte aligned (so it never straddles a page and is written whole or not at all).
/// </summary>
/// <remarks>Layout (docs/guest-abi.md): status u32 @0, fault_reason u8 @4, fault_flags u8 @5,
/// reserved u16 @6, bytes_completed u64 @8, fault_addr u64 @16, result u64 @24.</remarks>
public readonly record struct SvaCompletion
{
    public const int Size = 32;

    public const int OffsetStatus = 0;
    public const int OffsetFaultReason = 4;
    public const int OffsetFaultFlags = 5;
    public const int OffsetReserved = 6;
    public const int OffsetBytesCompleted = 8;
    public const int OffsetFaultAddr = 16;
    public const int OffsetResult = 24;

    /// <summary>fault_flags bit 0: the faulting access was a write.</summary>
    public const byte FaultWrite = 1;

    public SvaStatus Status { get; init; }
    /// <summary>For <see cref="SvaStatus.PageFault"/>: why.</summary>
    public SvaFaultReason FaultReason { get; init; }
    /// <summary>For <see cref="SvaStatus.PageFault"/>: <see cref="FaultWrite"/> when a write faulted.</summary>
    public byte FaultFlags { get; init; }
    public ushort Reserved { get; init; }
    /// <summary>Bytes of the operation finished: len on success; on a fault, those before the faulting address.</summary>
    public ulong BytesCompleted { get; init; }
    /// <summary>For <see cref="SvaStatus.PageFault"/>: the first address the device could not access.</summary>
    public ulong FaultAddr { get; init; }
    /// <summary>COMPARE: first differing offset or all-ones; CRC32C: the CRC (of bytes_completed bytes on a
    /// fault); INVALID: an <see cref="SvaInvalidReason"/>; otherwise 0.</summary>
    public ulong Result { get; init; }

    /// <summary>True when the faulting access was a write.</summary>
    public bool FaultWasWrite => (FaultFlags & FaultWrite) != 0;

    public static SvaCompletion Read(ReadOnlySpan<byte> b) => new()
    {
        Status = (SvaStatus)BinaryPrimitives.ReadUInt32LittleEndian(b[OffsetStatus..]),
        FaultReason = (SvaFaultReason)b[OffsetFaultReason],
        FaultFlags = b[OffsetFaultFlags],
        Reserved = BinaryPrimitives.ReadUInt16LittleEndian(b[OffsetReserved..]),
        BytesCompleted = BinaryPrimitives.ReadUInt64LittleEndian(b[OffsetBytesCompleted..]),
        FaultAddr = BinaryPrimitives.ReadUInt64LittleEndian(b[OffsetFaultAddr..]),
        Result = BinaryPrimitives.ReadUInt64LittleEndian(b[OffsetResult..]),
    };

    public void Write(Span<byte> b)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(b[OffsetStatus..], (uint)Status);
        b[OffsetFaultReason] = (byte)FaultReason;
        b[OffsetFaultFlags] = FaultFlags;
        BinaryPrimitives.WriteUInt16LittleEndian(b[OffsetReserved..], Reserved);
        BinaryPrimitives.WriteUInt64LittleEndian(b[OffsetBytesCompleted..], BytesCompleted);
        BinaryPrimitives.WriteUInt64LittleEndian(b[OffsetFaultAddr..], FaultAddr);
        BinaryPrimitives.WriteUInt64LittleEndian(b[OffsetResult..], Result);
    }

    public override string ToString() => Status switch
    {
        SvaStatus.PageFault => $"page fault ({FaultReason}, {(FaultWasWrite ? "write" : "read")}) at 0x{FaultAddr:x} after {BytesCompleted} bytes",
        SvaStatus.Invalid => $"invalid ({(SvaInvalidReason)Result})",
        _ => $"{Status} {BytesCompleted} bytes, result 0x{Result:x}",
    };
}

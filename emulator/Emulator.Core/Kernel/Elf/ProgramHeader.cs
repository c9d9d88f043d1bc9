using System.Buffers.Binary;

namespace Emulator.Core.Kernel.Elf;

/// <summary>An ELF64 program header (<c>Elf64_Phdr</c>, 56 bytes, little-endian).</summary>
/// <remarks>System V gABI "Program Header".</remarks>
public readonly struct ProgramHeader
{
    public const int Size = 56;

    public const int OffsetType = 0;
    public const int OffsetFlags = 4;
    public const int OffsetOffset = 8;
    public const int OffsetVaddr = 16;
    public const int OffsetPaddr = 24;
    public const int OffsetFileSize = 32;
    public const int OffsetMemSize = 40;
    public const int OffsetAlign = 48;

    /// <summary><c>p_type</c>.</summary>
    public SegmentType Type { get; init; }
    /// <summary><c>p_flags</c>.</summary>
    public SegmentFlags Flags { get; init; }
    /// <summary><c>p_offset</c>: file offset of the segment's first byte.</summary>
    public ulong Offset { get; init; }
    /// <summary><c>p_vaddr</c>.</summary>
    public ulong Vaddr { get; init; }
    /// <summary><c>p_paddr</c> (ignored).</summary>
    public ulong Paddr { get; init; }
    /// <summary><c>p_filesz</c>: bytes taken from the file.</summary>
    public ulong FileSize { get; init; }
    /// <summary><c>p_memsz</c>: bytes in memory; those beyond <see cref="FileSize"/> are zero (.bss).</summary>
    public ulong MemSize { get; init; }
    /// <summary><c>p_align</c>.</summary>
    public ulong Align { get; init; }

    /// <summary>Exclusive end of the segment in memory (may overflow for a malformed header; the parser checks first).</summary>
    public ulong VaddrEnd => Vaddr + MemSize;

    public static ProgramHeader Read(ReadOnlySpan<byte> b) => new()
    {
        Type = (SegmentType)BinaryPrimitives.ReadUInt32LittleEndian(b[OffsetType..]),
        Flags = (SegmentFlags)BinaryPrimitives.ReadUInt32LittleEndian(b[OffsetFlags..]),
        Offset = BinaryPrimitives.ReadUInt64LittleEndian(b[OffsetOffset..]),
        Vaddr = BinaryPrimitives.ReadUInt64LittleEndian(b[OffsetVaddr..]),
        Paddr = BinaryPrimitives.ReadUInt64LittleEndian(b[OffsetPaddr..]),
        FileSize = BinaryPrimitives.ReadUInt64LittleEndian(b[OffsetFileSize..]),
        MemSize = BinaryPrimitives.ReadUInt64LittleEndian(b[OffsetMemSize..]),
        Align = BinaryPrimitives.ReadUInt64LittleEndian(b[OffsetAlign..]),
    };

    public void Write(Span<byte> b)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(b[OffsetType..], (uint)Type);
        BinaryPrimitives.WriteUInt32LittleEndian(b[OffsetFlags..], (uint)Flags);
        BinaryPrimitives.WriteUInt64LittleEndian(b[OffsetOffset..], Offset);
        BinaryPrimitives.WriteUInt64LittleEndian(b[OffsetVaddr..], Vaddr);
        BinaryPrimitives.WriteUInt64LittleEndian(b[OffsetPaddr..], Paddr);
        BinaryPrimitives.WriteUInt64LittleEndian(b[OffsetFileSize..], FileSize);
        BinaryPrimitives.WriteUInt64LittleEndian(b[OffsetMemSize..], MemSize);
        BinaryPrimitives.WriteUInt64LittleEndian(b[OffsetAlign..], Align);
    }

    public override string ToString() =>
        $"{Type} off 0x{Offset:x} va 0x{Vaddr:x} filesz 0x{FileSize:x} memsz 0x{MemSize:x} {Flags}";
}

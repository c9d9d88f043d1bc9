using System.Buffers.Binary;

namespace Emulator.Core.Kernel.Elf;

/// <summary>
/// The ELF64 file header (<c>Elf64_Ehdr</c>, 64 bytes, little-endian as this loader requires). Each
/// field is read once, at its offset; the <c>Offset*</c> constants name those offsets so a parse
/// error can say where the bad value is.
/// </summary>
/// <remarks>System V gABI "ELF Header"; x86-64 psABI §4.1 (EM_X86_64, ELFCLASS64, ELFDATA2LSB).</remarks>
public readonly struct ElfHeader
{
    /// <summary>Bytes of an ELF64 header (also the required <see cref="HeaderSize"/>).</summary>
    public const int Size = 64;

    public const int OffsetClass = 4;
    public const int OffsetData = 5;
    public const int OffsetIdentVersion = 6;
    public const int OffsetOsAbi = 7;
    public const int OffsetType = 16;
    public const int OffsetMachine = 18;
    public const int OffsetVersion = 20;
    public const int OffsetEntry = 24;
    public const int OffsetPhOff = 32;
    public const int OffsetShOff = 40;
    public const int OffsetFlags = 48;
    public const int OffsetEhSize = 52;
    public const int OffsetPhEntSize = 54;
    public const int OffsetPhNum = 56;
    public const int OffsetShEntSize = 58;
    public const int OffsetShNum = 60;
    public const int OffsetShStrNdx = 62;

    /// <summary><c>\x7fELF</c> read as a little-endian word.</summary>
    public const uint Magic = 0x464C_457F;
    public const byte ClassElf64 = 2;
    public const byte DataLittleEndian = 1;
    public const byte CurrentVersion = 1;
    public const ushort TypeExec = 2;
    public const ushort TypeDyn = 3;
    public const ushort MachineX86_64 = 62;
    /// <summary><c>PN_XNUM</c>: the real program-header count is in section 0 (not supported).</summary>
    public const ushort PhNumExtended = 0xFFFF;

    /// <summary>The first four bytes as a little-endian word (<see cref="Magic"/> when valid).</summary>
    public uint IdentMagic { get; init; }
    /// <summary><c>e_ident[EI_CLASS]</c>.</summary>
    public byte Class { get; init; }
    /// <summary><c>e_ident[EI_DATA]</c>.</summary>
    public byte Data { get; init; }
    /// <summary><c>e_ident[EI_VERSION]</c>.</summary>
    public byte IdentVersion { get; init; }
    /// <summary><c>e_ident[EI_OSABI]</c> (0 System V or 3 GNU/Linux for Linux executables; not checked, as Linux does not).</summary>
    public byte OsAbi { get; init; }
    public ushort Type { get; init; }
    public ushort Machine { get; init; }
    public uint Version { get; init; }
    public ulong Entry { get; init; }
    public ulong PhOff { get; init; }
    public ulong ShOff { get; init; }
    public uint Flags { get; init; }
    public ushort HeaderSize { get; init; }
    public ushort PhEntSize { get; init; }
    public ushort PhNum { get; init; }
    public ushort ShEntSize { get; init; }
    public ushort ShNum { get; init; }
    public ushort ShStrNdx { get; init; }

    /// <summary>A header as a valid static x86-64 executable would have it (tests and tools start from this).</summary>
    public static ElfHeader ValidExec(ulong entry, ushort phnum) => new()
    {
        IdentMagic = Magic,
        Class = ClassElf64,
        Data = DataLittleEndian,
        IdentVersion = CurrentVersion,
        Type = TypeExec,
        Machine = MachineX86_64,
        Version = CurrentVersion,
        Entry = entry,
        PhOff = Size,
        HeaderSize = Size,
        PhEntSize = ProgramHeader.Size,
        PhNum = phnum,
    };

    /// <summary>Reads the header from the first <see cref="Size"/> bytes.</summary>
    /// <exception cref="ArgumentException">Fewer than <see cref="Size"/> bytes (callers check first).</exception>
    public static ElfHeader Read(ReadOnlySpan<byte> b)
    {
        if (b.Length < Size)
        {
            throw new ArgumentException($"an ELF64 header needs {Size} bytes, got {b.Length}", nameof(b));
        }
        return new ElfHeader
        {
            IdentMagic = BinaryPrimitives.ReadUInt32LittleEndian(b),
            Class = b[OffsetClass],
            Data = b[OffsetData],
            IdentVersion = b[OffsetIdentVersion],
            OsAbi = b[OffsetOsAbi],
            Type = BinaryPrimitives.ReadUInt16LittleEndian(b[OffsetType..]),
            Machine = BinaryPrimitives.ReadUInt16LittleEndian(b[OffsetMachine..]),
            Version = BinaryPrimitives.ReadUInt32LittleEndian(b[OffsetVersion..]),
            Entry = BinaryPrimitives.ReadUInt64LittleEndian(b[OffsetEntry..]),
            PhOff = BinaryPrimitives.ReadUInt64LittleEndian(b[OffsetPhOff..]),
            ShOff = BinaryPrimitives.ReadUInt64LittleEndian(b[OffsetShOff..]),
            Flags = BinaryPrimitives.ReadUInt32LittleEndian(b[OffsetFlags..]),
            HeaderSize = BinaryPrimitives.ReadUInt16LittleEndian(b[OffsetEhSize..]),
            PhEntSize = BinaryPrimitives.ReadUInt16LittleEndian(b[OffsetPhEntSize..]),
            PhNum = BinaryPrimitives.ReadUInt16LittleEndian(b[OffsetPhNum..]),
            ShEntSize = BinaryPrimitives.ReadUInt16LittleEndian(b[OffsetShEntSize..]),
            ShNum = BinaryPrimitives.ReadUInt16LittleEndian(b[OffsetShNum..]),
            ShStrNdx = BinaryPrimitives.ReadUInt16LittleEndian(b[OffsetShStrNdx..]),
        };
    }

    /// <summary>Writes the header into the first <see cref="Size"/> bytes (bytes 8..15 of e_ident are zero).</summary>
    public void Write(Span<byte> b)
    {
        b[..Size].Clear();
        BinaryPrimitives.WriteUInt32LittleEndian(b, IdentMagic);
        b[OffsetClass] = Class;
        b[OffsetData] = Data;
        b[OffsetIdentVersion] = IdentVersion;
        b[OffsetOsAbi] = OsAbi;
        BinaryPrimitives.WriteUInt16LittleEndian(b[OffsetType..], Type);
        BinaryPrimitives.WriteUInt16LittleEndian(b[OffsetMachine..], Machine);
        BinaryPrimitives.WriteUInt32LittleEndian(b[OffsetVersion..], Version);
        BinaryPrimitives.WriteUInt64LittleEndian(b[OffsetEntry..], Entry);
        BinaryPrimitives.WriteUInt64LittleEndian(b[OffsetPhOff..], PhOff);
        BinaryPrimitives.WriteUInt64LittleEndian(b[OffsetShOff..], ShOff);
        BinaryPrimitives.WriteUInt32LittleEndian(b[OffsetFlags..], Flags);
        BinaryPrimitives.WriteUInt16LittleEndian(b[OffsetEhSize..], HeaderSize);
        BinaryPrimitives.WriteUInt16LittleEndian(b[OffsetPhEntSize..], PhEntSize);
        BinaryPrimitives.WriteUInt16LittleEndian(b[OffsetPhNum..], PhNum);
        BinaryPrimitives.WriteUInt16LittleEndian(b[OffsetShEntSize..], ShEntSize);
        BinaryPrimitives.WriteUInt16LittleEndian(b[OffsetShNum..], ShNum);
        BinaryPrimitives.WriteUInt16LittleEndian(b[OffsetShStrNdx..], ShStrNdx);
    }
}

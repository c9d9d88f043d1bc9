using Emulator.Core.Kernel.Elf;

namespace Emulator.Tests.Kernel;

/// <summary>Every malformed file is rejected with an error naming the field, its file offset and the problem.</summary>
public class ElfParseErrorTests
{
    private const ulong Ph0 = ElfHeader.Size;
    private const ulong Ph1 = ElfHeader.Size + ProgramHeader.Size;

    /// <summary>The reference file with one thing broken.</summary>
    private static byte[] Malformed(string name)
    {
        var (h, p) = ElfBytes.Valid();
        switch (name)
        {
            case "empty": return [];
            case "truncated-header": return ElfBytes.Build(h, p)[..40];
            case "bad-magic": h = h with { IdentMagic = 0x464C_457E }; break;
            case "elfclass32": h = h with { Class = 1 }; break;
            case "big-endian": h = h with { Data = 2 }; break;
            case "aarch64": h = h with { Machine = 183 }; break;
            case "et-dyn": h = h with { Type = ElfHeader.TypeDyn }; break;
            case "et-rel": h = h with { Type = 1 }; break;
            case "phentsize": h = h with { PhEntSize = 32 }; break;
            case "phnum-zero": h = h with { PhNum = 0 }; break;
            case "phnum-xnum": h = h with { PhNum = 0xFFFF }; break;
            case "phdrs-outside-file": h = h with { PhOff = ElfBytes.FileSize - 100 }; break;
            case "phoff-huge": h = h with { PhOff = ulong.MaxValue - 8 }; break;
            case "interp": p[1] = p[1] with { Type = SegmentType.Interp }; break;
            case "filesz-above-memsz": p[0] = p[0] with { FileSize = 0x1001 }; break;
            case "misaligned": p[1] = p[1] with { Vaddr = ElfBytes.DataVa + 8 }; break;
            case "segment-past-eof": p[1] = p[1] with { FileSize = 0x1001 }; break;
            case "below-user-space": p[0] = p[0] with { Vaddr = 0x1000 }; break;
            case "above-user-space": p[1] = p[1] with { Vaddr = 0x7fff_ffff_e000, MemSize = 0x2000 }; break;
            case "wraps": p[1] = p[1] with { Vaddr = 0xffff_ffff_ffff_f000, MemSize = 0x2000 }; break;
            case "overlap": p[1] = p[1] with { Vaddr = ElfBytes.TextVa + 0x800, Offset = 0x800, FileSize = 0x10 }; break;
            case "entry-in-data": h = h with { Entry = ElfBytes.DataVa + 4 }; break;
            case "entry-outside": h = h with { Entry = 0x50_0000 }; break;
            case "no-load":
                p[0] = p[0] with { Type = SegmentType.Note };
                p[1] = p[1] with { Type = SegmentType.Note };
                break;
            default: throw new ArgumentException(name);
        }
        return ElfBytes.Build(h, p);
    }

    [Theory]
    [InlineData("empty", ElfErrorKind.Truncated, "e_ident", 0x0, "needs 64")]
    [InlineData("truncated-header", ElfErrorKind.Truncated, "e_ident", 0x0, "the file is 40 bytes")]
    [InlineData("bad-magic", ElfErrorKind.BadMagic, "e_ident[EI_MAG0..3]", 0x0, "7e 45 4c 46")]
    [InlineData("elfclass32", ElfErrorKind.NotElf64, "e_ident[EI_CLASS]", 0x4, "32-bit")]
    [InlineData("big-endian", ElfErrorKind.NotLittleEndian, "e_ident[EI_DATA]", 0x5, "ELFDATA2LSB")]
    [InlineData("aarch64", ElfErrorKind.WrongMachine, "e_machine", 0x12, "183 is not EM_X86_64")]
    [InlineData("et-dyn", ElfErrorKind.PositionIndependent, "e_type", 0x10, "ET_DYN (a PIE or shared object) is not supported")]
    [InlineData("et-rel", ElfErrorKind.NotExecutable, "e_type", 0x10, "1 is not ET_EXEC")]
    [InlineData("phentsize", ElfErrorKind.BadProgramHeaderTable, "e_phentsize", 0x36, "32 is not sizeof(Elf64_Phdr)")]
    [InlineData("phnum-zero", ElfErrorKind.BadProgramHeaderTable, "e_phnum", 0x38, "no program headers")]
    [InlineData("phnum-xnum", ElfErrorKind.BadProgramHeaderTable, "e_phnum", 0x38, "PN_XNUM")]
    [InlineData("phdrs-outside-file", ElfErrorKind.ProgramHeadersOutsideFile, "e_phoff", 0x20, "outside the file")]
    [InlineData("phoff-huge", ElfErrorKind.ProgramHeadersOutsideFile, "e_phoff", 0x20, "outside the file")]
    [InlineData("interp", ElfErrorKind.Dynamic, "phdr[1].p_type", Ph1 + 0, "dynamically linked")]
    [InlineData("filesz-above-memsz", ElfErrorKind.FileSizeAboveMemSize, "phdr[0].p_filesz", Ph0 + 32, "0x1001 exceeds p_memsz 0x1000")]
    [InlineData("misaligned", ElfErrorKind.Misaligned, "phdr[1].p_vaddr", Ph1 + 16, "differ modulo the page size")]
    [InlineData("segment-past-eof", ElfErrorKind.Truncated, "phdr[1].p_offset", Ph1 + 8, "past the end of the file")]
    [InlineData("below-user-space", ElfErrorKind.OutsideUserSpace, "phdr[0].p_vaddr", Ph0 + 16, "outside the user address space")]
    [InlineData("above-user-space", ElfErrorKind.OutsideUserSpace, "phdr[1].p_vaddr", Ph1 + 16, "outside the user address space")]
    [InlineData("wraps", ElfErrorKind.OutsideUserSpace, "phdr[1].p_vaddr", Ph1 + 16, "outside the user address space")]
    [InlineData("overlap", ElfErrorKind.Overlap, "phdr[1].p_vaddr", Ph1 + 16, "overlaps phdr[0]")]
    [InlineData("entry-in-data", ElfErrorKind.EntryNotExecutable, "e_entry", 0x18, "0x401004 is not inside any executable")]
    [InlineData("entry-outside", ElfErrorKind.EntryNotExecutable, "e_entry", 0x18, "0x500000 is not inside any executable")]
    [InlineData("no-load", ElfErrorKind.NoLoadSegment, "e_phnum", 0x38, "no PT_LOAD")]
    public void A_malformed_file_is_rejected_naming_the_field_and_offset(string name, ElfErrorKind kind, string field, ulong offset, string says)
    {
        var file = Malformed(name);

        Assert.False(ElfImage.TryParse(file, out var elf, out var error)); // rejected, not thrown
        Assert.Null(elf);
        Assert.Equal(kind, error.Kind);
        Assert.Equal(field, error.Field); // names the field ...
        Assert.Equal(offset, error.Offset); // ... and where it is in the file
        Assert.Contains(says, error.Message); // and says what is wrong, with the value
        Assert.StartsWith($"malformed ELF: {field} at offset 0x{offset:x}: ", error.ToString());
    }
}

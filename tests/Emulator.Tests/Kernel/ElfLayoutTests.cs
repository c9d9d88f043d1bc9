using Emulator.Core.Kernel.Elf;

namespace Emulator.Tests.Kernel;

/// <summary>The header and program-header structs read and write the bytes the ELF64 spec places at each offset.</summary>
public class ElfLayoutTests
{
    [Fact]
    public void Header_fields_sit_at_their_gABI_offsets()
    {
        var h = ElfHeader.ValidExec(entry: 0x0011_2233_4455_6677, phnum: 0x0203) with { ShOff = 0x8899, Flags = 0xA1B2C3D4, ShEntSize = 64, ShNum = 10, ShStrNdx = 9 };
        var b = new byte[ElfHeader.Size];
        h.Write(b);

        byte[] expected =
        [
            0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, // e_ident: magic, ELFCLASS64, LSB, EV_CURRENT, SYSV
            0x02, 0x00, 0x3e, 0x00, 0x01, 0x00, 0x00, 0x00,                 // e_type ET_EXEC, e_machine 62, e_version 1
            0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11, 0x00,                 // e_entry
            0x40, 0, 0, 0, 0, 0, 0, 0,                                      // e_phoff 64
            0x99, 0x88, 0, 0, 0, 0, 0, 0,                                   // e_shoff
            0xd4, 0xc3, 0xb2, 0xa1,                                         // e_flags
            0x40, 0x00, 0x38, 0x00, 0x03, 0x02,                             // e_ehsize 64, e_phentsize 56, e_phnum
            0x40, 0x00, 0x0a, 0x00, 0x09, 0x00,                             // e_shentsize, e_shnum, e_shstrndx
        ];
        Assert.Equal(expected, b); // every field at the offset readelf reads it from
        Assert.Equal(h, ElfHeader.Read(b)); // and reads back unchanged
    }

    [Fact]
    public void Program_header_fields_sit_at_their_gABI_offsets()
    {
        var p = new ProgramHeader
        {
            Type = SegmentType.Load, Flags = SegmentFlags.Read | SegmentFlags.Execute, Offset = 0x1000, Vaddr = 0x401000,
            Paddr = 0x401001, FileSize = 0x17, MemSize = 0x2730, Align = 0x1000,
        };
        var b = new byte[ProgramHeader.Size];
        p.Write(b);

        byte[] expected =
        [
            0x01, 0, 0, 0, 0x05, 0, 0, 0,           // p_type PT_LOAD, p_flags R|X
            0x00, 0x10, 0, 0, 0, 0, 0, 0,           // p_offset
            0x00, 0x10, 0x40, 0, 0, 0, 0, 0,        // p_vaddr
            0x01, 0x10, 0x40, 0, 0, 0, 0, 0,        // p_paddr
            0x17, 0, 0, 0, 0, 0, 0, 0,              // p_filesz
            0x30, 0x27, 0, 0, 0, 0, 0, 0,           // p_memsz
            0x00, 0x10, 0, 0, 0, 0, 0, 0,           // p_align
        ];
        Assert.Equal(expected, b);
        Assert.Equal(p, ProgramHeader.Read(b));
    }

    [Fact]
    public void The_hand_built_reference_file_parses()
    {
        var file = ElfBytes.Valid(out _, out _);

        Assert.True(ElfImage.TryParse(file, out var elf, out var error), error.ToString());
        Assert.Equal(ElfBytes.Entry, elf!.Entry);
        Assert.Equal(2, elf.LoadSegments.Count); // PT_GNU_STACK is not a load segment
        Assert.Equal(ElfBytes.TextVa + ElfHeader.Size, elf.PhdrAddress); // phdrs are in the first segment's file bytes
        Assert.Equal(0x40_4000UL, elf.BrkBase); // end of .bss (0x401000 + 0x3000), page-aligned
        Assert.False(elf.ExecutableStack); // PT_GNU_STACK without PF_X
    }
}

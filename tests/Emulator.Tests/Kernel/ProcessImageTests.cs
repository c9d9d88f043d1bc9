using Emulator.Core;
using Emulator.Core.Kernel;
using Emulator.Core.Kernel.Exec;
using Emulator.Core.Memory;
using Emulator.Core.Mm;
using static Emulator.Tests.Kernel.KernelRig;

namespace Emulator.Tests.Kernel;

/// <summary>Loading the hand-built reference executable: segments, protections, .bss, brk, and the
/// initial stack compared word by word with a layout computed by hand from Linux's create_elf_tables.</summary>
public class ProcessImageTests
{
    private const ulong Top = 0x7fff_ffff_f000;

    [Fact]
    public void Segments_are_mapped_with_their_bytes_protections_and_zeroed_bss()
    {
        var file = ElfBytes.Valid(out _, out _);
        var elf = Parse(file);
        var mm = NewMm(NewMachine(), elf);

        var p = Load(mm, elf, file, ["prog"], []);

        Assert.Equal(file[..0x1000], Read(mm, ElfBytes.TextVa, 0x1000)); // the text page is the file's first page
        Assert.Equal(file[0x1000..0x1010], Read(mm, ElfBytes.DataVa, 0x10)); // .data from its file offset
        Assert.All(Read(mm, ElfBytes.DataVa + 0x10, 0x3000 - 0x10), b => Assert.Equal(0, b)); // .bss is zero, across pages
        Assert.Equal(Protection.Read | Protection.Exec, mm.FindVma(ElfBytes.TextVa)!.Prot); // PF_R|PF_X
        Assert.Equal(Protection.ReadWrite, mm.FindVma(ElfBytes.DataVa + 0x2fff)!.Prot); // PF_R|PF_W, .bss included
        Assert.Null(mm.FindVma(0x40_4000)); // nothing past the image
        Assert.False(mm.LeafEntry(ElfBytes.TextVa).Writable); // the CPU page table agrees: text is read-only
        Assert.Equal(ElfBytes.Entry, p.Entry);
        Assert.Equal(0x40_4000UL, p.Brk); // brk starts at the page-aligned end of .bss
        Assert.Equal(0x40_5000UL, mm.Brk(0x40_5000)); // and grows from there
        Assert.Equal(Protection.ReadWrite, mm.FindVma(Top - 1)!.Prot); // stack: not executable (PT_GNU_STACK RW)
        Assert.Equal(Top - (8UL << 20), mm.FindVma(Top - 1)!.Start); // 8 MiB below the top of user space
    }

    [Fact]
    public void The_initial_stack_is_laid_out_word_by_word_as_Linux_does()
    {
        var file = ElfBytes.Valid(out _, out _);
        var elf = Parse(file);
        var mm = NewMm(NewMachine(), elf);

        var p = Load(mm, elf, file, ["prog", "a1"], ["HOME=/", "X=1"]);

        // Hand-computed from fs/exec.c + create_elf_tables: 8 zero bytes under the top; execfn "prog\0"
        // at 0x...eff3; "X=1\0" at efef; "HOME=/\0" at efe8; "a1\0" at efe5; "prog\0" at efe0; aligned
        // to 16: efe0; "x86_64\0" at efd9; AT_RANDOM at efc9; 19 auxv pairs (304 bytes) + 7 words
        // below that, rounded down to 16: RSP = (efc9 - 0x168) & ~0xf = ee60.
        const ulong sp = 0x7fff_ffff_ee60;
        Assert.Equal(sp, p.StackPointer);
        Assert.Equal(0UL, p.StackPointer % 16); // psABI: RSP 16-byte aligned at entry

        ulong[] expected =
        [
            2,                                       // argc
            0x7fff_ffff_efe0, 0x7fff_ffff_efe5, 0,   // argv[0], argv[1], NULL
            0x7fff_ffff_efe8, 0x7fff_ffff_efef, 0,   // envp[0], envp[1], NULL
            16, new ProcessImageOptions().Hwcap,     // AT_HWCAP
            6, 4096,                                 // AT_PAGESZ
            17, 100,                                 // AT_CLKTCK
            3, ElfBytes.TextVa + 64,                 // AT_PHDR: the phdrs as mapped
            4, 56,                                   // AT_PHENT
            5, 3,                                    // AT_PHNUM
            7, 0,                                    // AT_BASE: no interpreter
            8, 0,                                    // AT_FLAGS
            9, ElfBytes.Entry,                       // AT_ENTRY
            11, 1000, 12, 1000, 13, 1000, 14, 1000,  // AT_UID, AT_EUID, AT_GID, AT_EGID
            23, 0,                                   // AT_SECURE
            25, 0x7fff_ffff_efc9,                    // AT_RANDOM
            26, 0,                                   // AT_HWCAP2
            31, 0x7fff_ffff_eff3,                    // AT_EXECFN
            15, 0x7fff_ffff_efd9,                    // AT_PLATFORM
            0, 0,                                    // AT_NULL
        ];
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.True(expected[i] == U64(mm, sp + (ulong)i * 8), $"word {i} at 0x{sp + (ulong)i * 8:x}: expected 0x{expected[i]:x}, got 0x{U64(mm, sp + (ulong)i * 8):x}");
        }
        Assert.Equal("prog\0a1\0HOME=/\0X=1\0prog\0"u8.ToArray(), Read(mm, 0x7fff_ffff_efe0, 24)); // strings, argv[0] lowest
        Assert.Equal(new byte[8], Read(mm, Top - 8, 8)); // the top 8 bytes stay zero
        Assert.Equal("x86_64", CString(mm, 0x7fff_ffff_efd9));
        var random = new byte[16];
        ProcessImage.RandomBytes(new ProcessImageOptions().RandomSeed, random);
        Assert.Equal(random, Read(mm, 0x7fff_ffff_efc9, 16)); // AT_RANDOM bytes come from the seed
        Assert.Equal(sp + 8, p.ArgvAddress);
        Assert.Equal(sp + 32, p.EnvpAddress);
        Assert.Equal(sp + 56, p.AuxvAddress);
        Assert.Equal(0x7fff_ffff_efc9UL, p.AuxValue(AuxvType.Random));
    }

    [Fact]
    public void The_random_bytes_are_deterministic_per_seed()
    {
        var a = new byte[16];
        var b = new byte[16];
        var c = new byte[16];
        ProcessImage.RandomBytes(1, a);
        ProcessImage.RandomBytes(1, b);
        ProcessImage.RandomBytes(2, c);
        Assert.Equal(a, b); // same seed, same canary: runs are reproducible
        Assert.NotEqual(a, c);
        Assert.NotEqual(a[..8], a[8..]); // two different words, not one repeated
    }

    [Fact]
    public void Without_argv_the_stack_still_has_argc_zero_and_both_terminators()
    {
        var file = ElfBytes.Valid(out _, out _);
        var elf = Parse(file);
        var mm = NewMm(NewMachine(), elf);

        var p = Load(mm, elf, file, [], [], new ProcessImageOptions { ExecFn = "/bin/x" });

        Assert.Equal(0UL, U64(mm, p.StackPointer)); // argc
        Assert.Equal(0UL, U64(mm, p.StackPointer + 8)); // argv NULL
        Assert.Equal(0UL, U64(mm, p.StackPointer + 16)); // envp NULL
        Assert.Equal(16UL, U64(mm, p.StackPointer + 24)); // auxv starts: AT_HWCAP
        Assert.Equal("/bin/x", CString(mm, p.AuxValue(AuxvType.Execfn)!.Value));
        Assert.Equal(0UL, p.StackPointer % 16);
    }

    [Fact]
    public void Oversized_or_NUL_containing_arguments_are_refused_before_anything_is_mapped()
    {
        var file = ElfBytes.Valid(out _, out _);
        var elf = Parse(file);
        var machine = NewMachine();

        var mm = NewMm(machine, elf);
        Assert.Equal(Errno.E2BIG, ProcessImage.Load(mm, elf, file, [new string('a', ProcessImage.MaxArgStrlen)], [], out var p));
        Assert.Null(p);
        Assert.Empty(mm.Vmas()); // refused before mapping

        Assert.Equal(Errno.E2BIG, ProcessImage.Load(mm, elf, file, ["p"], [.. Enumerable.Repeat(new string('e', 100_000), 25)], out _)); // > 2 MiB of strings
        Assert.Equal(Errno.EINVAL, ProcessImage.Load(mm, elf, file, ["a\0b"], [], out _));
        Assert.Empty(mm.Vmas());
    }

    [Fact]
    public void Loading_into_a_used_mm_fails_with_the_mms_error()
    {
        var file = ElfBytes.Valid(out _, out _);
        var elf = Parse(file);
        var mm = NewMm(NewMachine(), elf);
        Assert.Equal(Errno.Ok, mm.Mmap(ElfBytes.DataVa, Page.Size, Protection.Read, MapFlags.Private | MapFlags.Anonymous | MapFlags.Fixed, out _));

        Assert.Equal(Errno.EEXIST, ProcessImage.Load(mm, elf, file, ["p"], [], out var p)); // nothing is silently replaced
        Assert.Null(p);
    }

    [Fact]
    public void An_mm_whose_break_starts_inside_the_image_is_a_caller_bug()
    {
        var file = ElfBytes.Valid(out _, out _);
        var elf = Parse(file);
        var machine = NewMachine();
        Assert.True(AddressSpace.TryCreate(machine.Frames, new AddressSpaceOptions { BrkStart = 0x40_2000 }, out var mm));

        Assert.Throws<ArgumentException>(() => ProcessImage.Load(mm!, elf, file, ["p"], [], out _));
    }

    [Fact]
    public void An_executable_stack_is_mapped_executable_only_when_PT_GNU_STACK_says_so()
    {
        var (h, ph) = ElfBytes.Valid();
        ph[2] = ph[2] with { Flags = ph[2].Flags | Core.Kernel.Elf.SegmentFlags.Execute };
        var file = ElfBytes.Build(h, ph);
        var elf = Parse(file);
        var mm = NewMm(NewMachine(), elf);

        Load(mm, elf, file, ["p"], []);

        Assert.Equal(Protection.ReadWrite | Protection.Exec, mm.FindVma(Top - 1)!.Prot);
    }
}

using Emulator.Core.Kernel.Elf;
using Emulator.Core.Kernel.Exec;
using Emulator.Core.Memory;
using Emulator.Core.Mm;
using static Emulator.Tests.Kernel.KernelRig;

namespace Emulator.Tests.Kernel;

/// <summary>Real executables from gcc: the loader agrees with binutils on what is where.</summary>
public class GccElfTests
{
    private const string Guest = """
        const char message[] = "hello from rodata";
        long data_word = 0x1122334455667788;
        char bss_block[3 * 4096 + 5];

        static long sys_exit(long code)
        {
            long r;
            __asm__ volatile ("syscall" : "=a"(r) : "a"(60), "D"(code) : "rcx", "r11", "memory");
            return r;
        }

        void _start(void)
        {
            bss_block[0] = message[0];
            sys_exit(data_word);
            for (;;) { }
        }
        """;

    [GccFact]
    public void A_static_gcc_executable_loads_with_every_segment_where_binutils_says()
    {
        var (file, exe) = Gcc.Compile(Guest);
        var elf = Parse(file);
        var mm = NewMm(NewMachine(), elf);

        var p = Load(mm, elf, file, [exe], ["PATH=/bin"]);

        int loadsReadelfSees = Gcc.Run("readelf", $"-lW {exe}").Split('\n').Count(l => l.TrimStart().StartsWith("LOAD ", StringComparison.Ordinal));
        Assert.Equal(loadsReadelfSees, elf.LoadSegments.Count); // every PT_LOAD, none invented
        Assert.Equal(Gcc.Symbol(exe, "_start"), p.Entry); // RIP starts at _start
        foreach (var seg in elf.LoadSegments)
        {
            // The file bytes are in memory at p_vaddr, and the VMA has the segment's protection.
            Assert.Equal(file.AsSpan((int)seg.Offset, (int)seg.FileSize).ToArray(), Read(mm, seg.Vaddr, (int)seg.FileSize));
            Assert.Equal(ProcessImage.ProtectionOf(seg.Flags), mm.FindVma(seg.Vaddr)!.Prot);
        }
        Assert.Equal("hello from rodata", CString(mm, Gcc.Symbol(exe, "message"))); // .rodata
        Assert.Equal(0x1122334455667788UL, U64(mm, Gcc.Symbol(exe, "data_word"))); // .data
        Assert.All(Read(mm, Gcc.Symbol(exe, "bss_block"), 3 * 4096 + 5), b => Assert.Equal(0, b)); // .bss, zero
        var text = mm.FindVma(p.Entry)!;
        Assert.Equal(Protection.Read | Protection.Exec, text.Prot); // code is executable and not writable
        Assert.DoesNotContain(mm.Vmas(), v => (v.Prot & Protection.Write) != 0 && (v.Prot & Protection.Exec) != 0); // W^X: nothing writable and executable
        Assert.True(p.Brk >= Gcc.Symbol(exe, "bss_block") + 3 * 4096 + 5 && Page.IsAligned(p.Brk)); // brk after .bss
        Assert.Equal(elf.PhdrAddress, p.AuxValue(AuxvType.Phdr));
        Assert.Equal(ElfHeader.Size, (int)(elf.PhdrAddress - elf.LoadSegments[0].Vaddr)); // gcc puts the phdrs right after the header
        Assert.Equal(exe, CString(mm, U64(mm, p.ArgvAddress))); // argv[0]
    }

    [GccFact]
    public void A_static_pie_is_refused_by_name()
    {
        var (file, _) = Gcc.Compile(Guest, "-static-pie -nostdlib -fpie -O2");

        Assert.False(ElfImage.TryParse(file, out _, out var error));
        Assert.Equal(ElfErrorKind.PositionIndependent, error.Kind);
        Assert.Contains("PIE", error.Message);
    }

    [GccFact]
    public void A_dynamically_linked_program_is_refused_by_name()
    {
        var (file, _) = Gcc.Compile("int main(void) { return 0; }", "-no-pie -O2");

        Assert.False(ElfImage.TryParse(file, out _, out var error));
        Assert.Equal(ElfErrorKind.Dynamic, error.Kind); // PT_INTERP
        Assert.Contains("dynamically linked", error.Message);
    }
}

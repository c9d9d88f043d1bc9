using System.Diagnostics;
using Emulator.Core.Cpu;
using Iced.Intel;
using Xunit.Abstractions;

namespace Emulator.Tests.Cpu.VectorExtra;

/// <summary>Fences, prefetches, CLFLUSH/CLFLUSHOPT and MOVNTI: the table <c>Data/misc.txt</c> on the
/// emulator and the host, and the fault behaviour on an unmapped line (prefetch: none; CLFLUSH: #PF)
/// on both.</summary>
public sealed class MiscTests(ITestOutputHelper output)
{
    private const string File = "misc.txt";

    public static TheoryData<VectorCase> Cases() => VectorTable.Cases(File);

    [Theory]
    [MemberData(nameof(Cases))]
    public void Instruction_matches_the_table(VectorCase c) => VectorRig.Check(c);

    [HostCpuFact("clflushopt", "avx2")]
    public void Table_matches_the_host_processor() => VectorTable.CrossCheck(File, output);

    [Theory]
    [InlineData(Code.Clflush_m8)]
    [InlineData(Code.Clflushopt_m8)]
    public void Clflush_of_an_unmapped_line_is_a_page_fault(Code code)
    {
        var rig = new VectorRig();
        var input = new ProbeState();
        input.Gpr[6] = 0x10_0000;
        rig.LoadCode(ProbeInstruction.Encode(Instruction.Create(code, new MemoryOperand(Register.RSI, 3, 1)), VectorRig.CodeVa));
        rig.SetState(input);

        CpuExit exit = rig.Cpu.Run(1);

        // A #PF for a read of the flushed byte, RIP at the instruction.
        Assert.Equal(CpuExitKind.PageFault, exit.Kind);
        Assert.Equal(VectorRig.DataVa + 0x10_0003, exit.FaultAddress);
        Assert.False(exit.IsWrite);
        Assert.Equal(VectorRig.CodeVa, rig.S.Rip);
    }

    [Fact]
    public void Rdtscp_is_not_reported_and_not_executed()
    {
        var rig = new VectorRig();
        rig.LoadCode(ProbeInstruction.Encode(Instruction.Create(Code.Rdtscp), VectorRig.CodeVa));
        rig.SetState(new ProbeState());

        Assert.Equal(CpuExitKind.InvalidOpcode, rig.Cpu.Run(1).Kind);
        // CPUID.80000001H:EDX.RDTSCP[bit 27] is clear at every level.
        foreach (CpuLevel level in Enum.GetValues<CpuLevel>())
        {
            Assert.Equal(0u, CpuFeatures.Cpuid(level, 0, 0x8000_0001, 0).Edx & (1u << 27));
        }
    }

    /// <summary>The host agrees: a prefetch of an unmapped address completes, CLFLUSH of it raises
    /// SIGSEGV (a #PF). A C program unmaps a page, tries both, and catches the signal.</summary>
    [GccFact]
    public void On_the_host_prefetch_of_an_unmapped_line_completes_and_clflush_faults()
    {
        const string program = """
            #include <setjmp.h>
            #include <signal.h>
            #include <stdio.h>
            #include <sys/mman.h>
            static sigjmp_buf env;
            static void on_segv(int s) { (void)s; siglongjmp(env, 1); }
            int main(void) {
              char *p = mmap(0, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
              munmap(p, 4096);
              signal(SIGSEGV, on_segv);
              __asm__ volatile("prefetcht0 (%0)\n prefetchnta (%0)\n prefetchw (%0)" :: "r"(p) : "memory");
              printf("prefetch completed\n");
              if (sigsetjmp(env, 1) == 0) { __asm__ volatile("clflush (%0)" :: "r"(p) : "memory"); printf("clflush completed\n"); }
              else printf("clflush faulted\n");
              return 0;
            }
            """;
        string dir = Path.Combine(Path.GetTempPath(), $"cpu-vx-misc-{Environment.ProcessId}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(dir);
        try
        {
            string src = Path.Combine(dir, "p.c"), exe = Path.Combine(dir, "p");
            System.IO.File.WriteAllText(src, program);
            Assert.Equal(0, Exec(GccFactAttribute.GccPath()!, $"-O1 -o {exe} {src}", out _));
            Assert.Equal(0, Exec(exe, "", out string stdout));
            output.WriteLine(stdout);
            Assert.Equal("prefetch completed\nclflush faulted\n", stdout);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static int Exec(string file, string args, out string stdout)
    {
        var psi = new ProcessStartInfo(file, args) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var p = Process.Start(psi)!;
        Task<string> err = p.StandardError.ReadToEndAsync();
        stdout = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        _ = err.Result;
        return p.ExitCode;
    }
}

using System.Diagnostics;
using System.Text;
using Emulator.Core;
using Emulator.Core.Cpu;
using Emulator.Tests.Mm;
using Iced.Intel;
using Xunit.Abstractions;
using static Iced.Intel.AssemblerRegisters;

namespace Emulator.Tests.Cpu;

/// <summary>Small programs assembled with Iced and run end to end.</summary>
public sealed class CpuProgramTests(ITestOutputHelper output)
{
    private static void SumLoop(Assembler a, long n)
    {
        var top = a.CreateLabel();
        a.xor(eax, eax);
        a.mov(rcx, n);
        a.Label(ref top);
        a.add(rax, rcx);
        a.dec(rcx);
        a.jnz(top);
        a.syscall();
    }

    [Fact]
    public void A_counted_loop_computes_its_sum_and_counts_instructions()
    {
        var rig = new CpuRig();
        rig.Load(a => SumLoop(a, 1000));

        rig.RunToSyscall();

        Assert.Equal(500500UL, rig.S.Rax);
        Assert.Equal(2 + 3 * 1000 + 1, rig.Cpu.InstructionsRetired);
    }

    [Fact]
    public void Syscall_sets_rcx_and_r11_and_resumes_after_itself()
    {
        var rig = new CpuRig();
        rig.Load(a =>
        {
            a.mov(eax, 39);
            a.stc();
            a.syscall();
            a.mov(rbx, rax);
            a.syscall();
        });

        CpuExit exit = rig.RunToExit();

        Assert.Equal(CpuExitKind.Syscall, exit.Kind);
        Assert.Equal(CpuRig.CodeVa + 6, exit.Rip);
        Assert.Equal(39UL, rig.S.Rax);
        Assert.Equal(CpuRig.CodeVa + 8, rig.S.Rcx);             // RIP of the next instruction
        Assert.Equal((ulong)(RFlags.InitialUser | RFlags.CF), rig.S.R11);
        rig.S.Rax = 1234;                                        // the kernel's return value
        rig.RunToSyscall();
        Assert.Equal(1234UL, rig.S.Rbx);
    }

    [Fact]
    public void Recursive_calls_compute_fibonacci()
    {
        var rig = new CpuRig();
        rig.Load(a =>
        {
            var fib = a.CreateLabel();
            var small = a.CreateLabel();
            a.mov(edi, 20);
            a.call(fib);
            a.syscall();
            a.Label(ref fib);                 // rax = fib(rdi), gcc -O0 style frame
            a.push(rbp);
            a.mov(rbp, rsp);
            a.push(rbx);
            a.sub(rsp, 8);
            a.cmp(rdi, 1);
            a.jle(small);
            a.mov(__qword_ptr[rbp - 16], rdi);
            a.dec(rdi);
            a.call(fib);
            a.mov(rbx, rax);
            a.mov(rdi, __qword_ptr[rbp - 16]);
            a.sub(rdi, 2);
            a.call(fib);
            a.add(rax, rbx);
            a.mov(rbx, __qword_ptr[rbp - 8]);
            a.leave();
            a.ret();
            a.Label(ref small);
            a.mov(rax, rdi);
            a.mov(rbx, __qword_ptr[rbp - 8]);
            a.leave();
            a.ret();
        });

        rig.RunToSyscall();

        Assert.Equal(6765UL, rig.S.Rax);
        Assert.Equal(CpuRig.StackTop, rig.S.Rsp);
    }

    [Fact]
    public void String_instructions_do_strlen_memset_and_memcmp()
    {
        var rig = new CpuRig();
        MmKit.MapAt(rig.Mm, CpuRig.DataVa, 4);
        Assert.Equal(Errno.Ok, rig.Mm.WriteUser(CpuRig.DataVa, Encoding.ASCII.GetBytes("hello, world\0"), out _));
        rig.Load(a =>
        {
            // strlen: repne scasb
            a.mov(rdi, CpuRig.DataVa);
            a.xor(eax, eax);
            a.mov(rcx, -1L);
            a.repne.scasb();
            a.not(rcx);
            a.dec(rcx);
            a.mov(r8, rcx);
            // memset 3 pages with rep stosq (crosses pages, demand faults)
            a.mov(rdi, CpuRig.DataVa + 0x1000);
            a.mov(rax, 0x0101010101010101);
            a.mov(ecx, 3 * 512);
            a.rep.stosq();
            // memcmp of the first two pages: first difference at byte 0
            a.mov(rsi, CpuRig.DataVa + 0x1000);
            a.mov(rdi, CpuRig.DataVa + 0x2000);
            a.mov(ecx, 4096);
            a.repe.cmpsb();
            a.setne(r9b);
            a.mov(r10, rcx);
            a.syscall();
        });

        rig.RunToSyscall();

        Assert.Equal(12UL, rig.S.R8);
        Assert.Equal(0x0101010101010101UL, rig.ReadU64(CpuRig.DataVa + 0x3FF8));
        Assert.Equal(0UL, rig.S.R9 & 0xFF);                      // the two pages are equal
        Assert.Equal(0UL, rig.S.R10);
    }

    [Fact]
    public void Cpuid_reports_the_vendor_and_rdtsc_counts_instructions()
    {
        var rig = new CpuRig();
        MmKit.MapAt(rig.Mm, CpuRig.DataVa, 1);
        rig.Load(a =>
        {
            a.xor(eax, eax);
            a.cpuid();
            a.mov(rdi, CpuRig.DataVa);
            a.mov(__dword_ptr[rdi], ebx);
            a.mov(__dword_ptr[rdi + 4], edx);
            a.mov(__dword_ptr[rdi + 8], ecx);
            a.rdtsc();
            a.syscall();
        });

        rig.RunToSyscall();

        var vendor = new byte[12];
        Assert.Equal(Errno.Ok, rig.Mm.ReadUser(CpuRig.DataVa, vendor, out _));
        Assert.Equal("AuthenticAMD", Encoding.ASCII.GetString(vendor));
        Assert.Equal(6UL, rig.S.Rax);                            // six instructions retired before rdtsc
    }

    [Fact]
    public void Fs_prefixed_accesses_use_the_fs_base()
    {
        var rig = new CpuRig();
        MmKit.MapAt(rig.Mm, CpuRig.DataVa, 1);
        rig.WriteU64(CpuRig.DataVa + 0x10, 0xFEED);
        rig.S.FsBase = CpuRig.DataVa;
        rig.Load(a => { a.mov(rax, __qword_ptr.fs[0x10]); a.syscall(); });

        rig.RunToSyscall();

        Assert.Equal(0xFEEDUL, rig.S.Rax);
    }

    [Fact]
    public void Loop_speed_is_reported()
    {
        var rig = new CpuRig();
        rig.Load(a => SumLoop(a, 3_000_000));
        var sw = Stopwatch.StartNew();
        rig.RunToSyscall(100_000_000);
        sw.Stop();
        double mips = rig.Cpu.InstructionsRetired / sw.Elapsed.TotalSeconds / 1e6;
        // Evidence, not a gate: Debug builds and shared CI cores vary. Release figures are in the report.
        output.WriteLine($"add/dec/jnz loop: {rig.Cpu.InstructionsRetired} instructions in {sw.Elapsed.TotalMilliseconds:F0} ms = {mips:F1} MIPS");
        Assert.Equal(4_500_001_500_000UL, rig.S.Rax);
    }
}

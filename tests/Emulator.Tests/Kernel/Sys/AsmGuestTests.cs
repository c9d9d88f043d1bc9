using System.Text;
using Emulator.Core.Kernel;
using Iced.Intel;
using static Iced.Intel.AssemblerRegisters;

namespace Emulator.Tests.Kernel.Sys;

/// <summary>Small guests assembled with Iced: each exercises a few system calls or a crash, and the
/// test checks what a Linux user would see — output, exit status, the crash report.</summary>
public class AsmGuestTests
{
    private const int SysWrite = 1, SysMmap = 9, SysMprotect = 10, SysBrk = 12, SysGetpid = 39, SysFork = 57,
        SysExit = 60, SysWait4 = 61, SysClockGettime = 228;

    private static void Sys(Assembler a, int nr)
    {
        a.mov(eax, nr);
        a.syscall();
    }

    /// <summary>write(1, label, length).</summary>
    private static void Print(Assembler a, Label text, int length)
    {
        a.mov(edi, 1);
        a.lea(rsi, __[text]);
        a.mov(edx, length);
        Sys(a, SysWrite);
    }

    private static void Bytes(Assembler a, Label at, string s)
    {
        a.Label(ref at);
        a.db(Encoding.ASCII.GetBytes(s));
    }

    [Fact]
    public void Hello_world_reaches_stdout_and_the_exit_code_is_the_wait_status()
    {
        var rig = new GuestRig();
        var elf = GuestRig.Asm(a =>
        {
            var msg = a.CreateLabel();
            Print(a, msg, 6);
            a.mov(edi, 7);
            Sys(a, SysExit);
            Bytes(a, msg, "hello\n");
        });

        var r = rig.Run(elf);

        Assert.Equal("hello\n", rig.Out); // the bytes of write(1, ...) reach the host stream
        Assert.Equal(7 << 8, r.Init!.WaitStatus); // exit(7) is the Linux status word 0x700
        Assert.Equal(7, r.Init.ShellStatus);
        Assert.Null(r.Init.Report);
        Assert.Equal(2, r.Syscalls);
        Assert.Equal(8, r.Instructions); // mov, lea, mov, mov, syscall, mov, mov, syscall: counted exactly
    }

    [Fact]
    public void A_bad_buffer_is_EFAULT_and_an_unknown_syscall_is_ENOSYS_logged_once()
    {
        var rig = new GuestRig();
        var elf = GuestRig.Asm(a =>
        {
            a.mov(edi, 1);
            a.mov(rsi, 0x1234_5000UL); // unmapped
            a.mov(edx, 10);
            Sys(a, SysWrite);
            a.mov(r12, rax);
            a.mov(eax, 999);
            a.syscall();
            a.mov(eax, 999);
            a.syscall();
            a.mov(r13, rax);
            // exit(-write_result * 100 + -unknown_result) would overflow a byte: exit(-write) then check ENOSYS via status of a second run
            a.mov(rdi, r12);
            a.neg(rdi);
            a.cmp(r13, -38);
            var ok = a.CreateLabel();
            a.je(ok);
            a.mov(edi, 99);
            a.Label(ref ok);
            Sys(a, SysExit);
        });

        var r = rig.Run(elf);

        Assert.Equal(14, r.Init!.ExitCode); // write from an unmapped buffer: -EFAULT (and not 99: 999 gave -ENOSYS)
        Assert.Equal([999UL], r.UnknownSyscalls); // listed once although called twice
        Assert.Equal("", rig.Out);
    }

    [Fact]
    public void An_invalid_opcode_kills_with_SIGILL_and_a_report_naming_rip_and_instruction()
    {
        var rig = new GuestRig();
        var elf = GuestRig.Asm(a =>
        {
            a.nop();
            a.ud2();
        });

        var r = rig.Run(elf);

        Assert.Equal(4, r.Init!.Signal); // SIGILL; the status word is the bare signal number
        Assert.Equal(4, r.Init.WaitStatus);
        Assert.Equal(128 + 4, r.Init.ShellStatus);
        Assert.Contains("SIGILL", r.Init.Report);
        Assert.Contains($"rip={GuestRig.TextVa + 1:x}", r.Init.Report); // the ud2, after the nop
        Assert.Contains("ud2", r.Init.Report); // the instruction as Iced formats it
    }

    [Fact]
    public void A_write_to_a_page_made_read_only_by_mprotect_is_SIGSEGV_naming_the_address()
    {
        var rig = new GuestRig();
        const ulong page = 0x7000_0000;
        var elf = GuestRig.Asm(a =>
        {
            a.mov(rdi, page);
            a.mov(esi, 0x1000);
            a.mov(edx, 3); // PROT_READ|PROT_WRITE
            a.mov(r10d, 0x32); // MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED
            a.mov(r8, -1L);
            a.xor(r9d, r9d);
            Sys(a, SysMmap);
            a.mov(rbx, rax);
            a.mov(__qword_ptr[rbx + 0x10], 42); // fine: writable
            a.mov(rdi, rbx);
            a.mov(esi, 0x1000);
            a.mov(edx, 1); // PROT_READ
            Sys(a, SysMprotect);
            a.mov(rcx, __qword_ptr[rbx + 0x10]); // reading is still fine
            a.mov(__qword_ptr[rbx + 0x18], rcx); // SIGSEGV
            a.xor(edi, edi);
            Sys(a, SysExit);
        });

        var r = rig.Run(elf);

        Assert.Equal(11, r.Init!.Signal);
        Assert.Contains("SIGSEGV (SEGV_ACCERR)", r.Init.Report); // mapped, but not for writing
        Assert.Contains($"address={page + 0x18:x}", r.Init.Report); // the faulting address, CR2
        Assert.Contains("mov [rbx+18h],rcx", r.Init.Report);
    }

    [Fact]
    public void Fork_gives_the_child_zero_and_a_copy_on_write_copy_and_wait4_returns_its_status()
    {
        var rig = new GuestRig();
        var elf = GuestRig.Asm(a =>
        {
            var parentMsg = a.CreateLabel();
            var childMsg = a.CreateLabel();
            var child = a.CreateLabel();
            a.mov(rbx, GuestRig.DataVa);
            a.mov(__qword_ptr[rbx], 1);
            Sys(a, SysFork);
            a.test(rax, rax);
            a.je(child);
            a.mov(r12, rax); // the child's pid
            a.mov(rdi, -1L);
            a.lea(rsi, __[rbx + 8]); // &status
            a.xor(edx, edx);
            a.xor(r10d, r10d);
            Sys(a, SysWait4);
            a.mov(r13, rax);
            Print(a, parentMsg, 7);
            // exit code: status>>8 (5) + 10 * (data still 1) + 100 * (wait4 returned the child's pid)
            a.mov(edi, __dword_ptr[rbx + 8]);
            a.shr(edi, 8);
            a.cmp(__qword_ptr[rbx], 1);
            var cowOk = a.CreateLabel();
            a.jne(cowOk);
            a.add(edi, 10);
            a.Label(ref cowOk);
            a.cmp(r13, r12);
            var pidOk = a.CreateLabel();
            a.jne(pidOk);
            a.add(edi, 100);
            a.Label(ref pidOk);
            Sys(a, SysExit);
            a.Label(ref child);
            a.mov(__qword_ptr[rbx], 2); // breaks COW: the parent keeps 1
            Print(a, childMsg, 6);
            a.mov(edi, 5);
            Sys(a, SysExit);
            Bytes(a, parentMsg, "parent\n");
            Bytes(a, childMsg, "child\n");
        });

        var r = rig.Run(elf);

        Assert.Equal(115, r.Init!.ExitCode); // child's status 5<<8, the parent's page unchanged, wait4 = child pid
        Assert.Equal("child\nparent\n", rig.Out); // the parent slept in wait4 until the child exited
        Assert.Equal(2, r.Processes.Count);
        Assert.Equal(1, r.Processes[1].ParentPid);
        Assert.Equal(5, r.Processes[1].ExitCode);
    }

    [Fact]
    public void Brk_grows_the_heap_and_getpid_and_clock_gettime_answer()
    {
        var rig = new GuestRig();
        var elf = GuestRig.Asm(a =>
        {
            a.xor(edi, edi);
            Sys(a, SysBrk);
            a.mov(rbx, rax); // the initial break
            a.lea(rdi, __[rax + 0x3000]);
            Sys(a, SysBrk);
            a.mov(__qword_ptr[rbx + 0x2ff8], 9); // the new heap is writable
            a.mov(r12, rax);
            a.sub(r12, rbx); // 0x3000
            Sys(a, SysGetpid);
            a.mov(r13, rax);
            a.mov(edi, 1); // CLOCK_MONOTONIC
            a.mov(rsi, GuestRig.DataVa);
            Sys(a, SysClockGettime);
            a.mov(r14, __qword_ptr[GuestRig.DataVa + 8]); // tv_nsec: instructions so far
            a.mov(edi, 0);
            a.cmp(r12, 0x3000);
            var l1 = a.CreateLabel();
            a.jne(l1);
            a.add(edi, 1);
            a.Label(ref l1);
            a.cmp(r13, 1);
            var l2 = a.CreateLabel();
            a.jne(l2);
            a.add(edi, 2);
            a.Label(ref l2);
            a.cmp(r14, 0);
            var l3 = a.CreateLabel();
            a.je(l3);
            a.add(edi, 4);
            a.Label(ref l3);
            Sys(a, SysExit);
        });

        var r = rig.Run(elf);

        Assert.Equal(7, r.Init!.ExitCode); // brk moved by 0x3000, getpid = 1, the virtual clock advanced
    }

    [Fact]
    public void A_guest_that_never_exits_is_killed_when_the_instruction_budget_runs_out()
    {
        var rig = new GuestRig(new GuestKernelOptions { MaxInstructions = 100_000 });
        var elf = GuestRig.Asm(a =>
        {
            var top = a.CreateLabel();
            a.Label(ref top);
            a.jmp(top);
        });

        var r = rig.Run(elf);

        Assert.Equal(9, r.Init!.Signal); // SIGKILL
        Assert.Contains("instruction budget", r.Init.Report);
        Assert.InRange(r.Instructions, 100_000, 100_000 + new GuestKernelOptions().Tick);
    }

    [Fact]
    public void A_malformed_executable_is_refused_with_the_loaders_message()
    {
        var rig = new GuestRig();
        var elf = GuestRig.Asm(a => a.nop());
        elf[16] = 3; // ET_DYN

        Assert.False(rig.Kernel.TrySpawn(elf, ["x"], [], out _, out string? error));
        Assert.StartsWith("malformed ELF: e_type", error);
    }
}

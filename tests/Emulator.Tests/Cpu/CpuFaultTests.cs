using Emulator.Core;
using Emulator.Core.Cpu;
using Emulator.Core.Mm;
using Emulator.Core.Paging;
using Emulator.Tests.Mm;
using static Iced.Intel.AssemblerRegisters;

namespace Emulator.Tests.Cpu;

/// <summary>Faults are precise and restartable, and guest faults come back as exits, never exceptions.</summary>
public sealed class CpuFaultTests
{
    [Fact]
    public void Push_to_an_untouched_stack_page_faults_precisely_and_resumes()
    {
        var rig = new CpuRig();
        rig.Load(a =>
        {
            a.mov(rax, 0x1122334455667788);
            a.push(rax);
            a.pop(rbx);
            a.syscall();
        });

        CpuExit first = rig.Cpu.Run(100);

        // The stack VMA exists but no page is present: #PF on the push, nothing committed.
        Assert.Equal(CpuExitKind.PageFault, first.Kind);
        Assert.Equal(CpuRig.CodeVa + 10, first.Rip);            // the push (after the 10-byte mov)
        Assert.Equal(first.Rip, rig.S.Rip);
        Assert.Equal(CpuRig.StackTop, rig.S.Rsp);              // RSP not decremented
        Assert.Equal(CpuRig.StackTop - 8, first.FaultAddress);
        Assert.True(first.IsWrite);
        Assert.Equal(PageFaultErrorCode.Write | PageFaultErrorCode.User, first.ErrorCode);
        Assert.Equal(FaultResult.Resolved, rig.Mm.HandleFault(first.FaultAddress, first.IsWrite, first.IsFetch));

        rig.RunToSyscall();
        Assert.Equal(0x1122334455667788UL, rig.S.Rbx);
        Assert.Equal(CpuRig.StackTop, rig.S.Rsp);
    }

    [Fact]
    public void Rep_movs_into_an_unfaulted_page_commits_per_iteration_and_continues()
    {
        var rig = new CpuRig();
        const ulong src = CpuRig.DataVa;
        const ulong dst = CpuRig.DataVa + 0x10000;
        MmKit.MapAt(rig.Mm, src, 2);
        MmKit.MapAt(rig.Mm, dst, 2);
        var pattern = new byte[6000];
        new Random(5).NextBytes(pattern);
        Assert.Equal(Errno.Ok, rig.Mm.WriteUser(src, pattern, out _));
        Assert.Equal(Errno.Ok, rig.Mm.WriteUser(dst, [0], out _));  // first dst page present, second not
        rig.Load(a =>
        {
            a.mov(rsi, src);
            a.mov(rdi, dst + 100);
            a.mov(rcx, 5000);
            a.rep.movsb();
            a.syscall();
        });

        CpuExit exit = rig.Cpu.Run(100_000);

        ulong copied = MmKit.P - 100;
        Assert.Equal(CpuExitKind.PageFault, exit.Kind);
        Assert.Equal(dst + MmKit.P, exit.FaultAddress);
        Assert.Equal(exit.Rip, rig.S.Rip);                       // still at the rep movsb
        Assert.Equal(5000 - copied, rig.S.Rcx);                  // completed iterations are committed
        Assert.Equal(src + copied, rig.S.Rsi);
        Assert.Equal(dst + 100 + copied, rig.S.Rdi);

        rig.RunToSyscall();                                      // (syscall overwrites RCX with the return RIP)
        Assert.Equal(dst + 100 + 5000, rig.S.Rdi);
        var copy = new byte[5000];
        Assert.Equal(Errno.Ok, rig.Mm.ReadUser(dst + 100, copy, out _));
        Assert.Equal(pattern.AsSpan(0, 5000).ToArray(), copy);
    }

    [Fact]
    public void A_store_crossing_into_an_unfaulted_page_changes_nothing_before_the_fault()
    {
        var rig = new CpuRig();
        MmKit.MapAt(rig.Mm, CpuRig.DataVa, 2);
        rig.WriteU64(CpuRig.DataVa + MmKit.P - 8, 0xAAAA_AAAA_AAAA_AAAA);
        rig.Load(a =>
        {
            a.mov(rax, -1L);
            a.mov(rbx, CpuRig.DataVa + MmKit.P - 4);
            a.mov(__qword_ptr[rbx], rax);
            a.syscall();
        });

        CpuExit exit = rig.Cpu.Run(100);

        Assert.Equal(CpuExitKind.PageFault, exit.Kind);
        Assert.Equal(CpuRig.DataVa + MmKit.P, exit.FaultAddress);
        Assert.Equal(0xAAAA_AAAA_AAAA_AAAAUL, rig.ReadU64(CpuRig.DataVa + MmKit.P - 8)); // first half not written
        rig.RunToSyscall();
        Assert.Equal(0xFFFF_FFFF_AAAA_AAAAUL, rig.ReadU64(CpuRig.DataVa + MmKit.P - 8));
    }

    [Fact]
    public void An_unresolvable_fault_is_an_exit_with_a_report()
    {
        var rig = new CpuRig();
        rig.Load(a =>
        {
            a.mov(rbx, 0x1234_5000);
            a.mov(eax, __dword_ptr[rbx + 8]);
            a.syscall();
        });

        CpuExit exit = rig.RunToExit();

        Assert.Equal(CpuExitKind.PageFault, exit.Kind);
        Assert.Equal(FaultResult.MapError, rig.Mm.HandleFault(exit.FaultAddress, exit.IsWrite, exit.IsFetch));
        Assert.Equal(0x1234_5008UL, exit.FaultAddress);
        Assert.Equal(11, exit.Signal);
        Assert.Equal("mov eax,[rbx+8]", exit.InstructionText);
        Assert.Contains("rip=40000a", exit.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Fetch_from_a_no_execute_page_faults_with_the_instruction_fetch_bit()
    {
        var rig = new CpuRig();
        rig.Load(a => a.nop(), CpuRig.DataVa, Protection.ReadWrite);

        CpuExit exit = rig.RunToExit();

        Assert.Equal(CpuExitKind.PageFault, exit.Kind);
        Assert.True(exit.IsFetch);
        Assert.False(exit.HasInstruction);
        Assert.Equal(CpuRig.DataVa, exit.FaultAddress);
        Assert.Equal(PageFaultErrorCode.Present | PageFaultErrorCode.User | PageFaultErrorCode.InstructionFetch, exit.ErrorCode);
        Assert.Equal(FaultResult.AccessError, rig.Mm.HandleFault(exit.FaultAddress, exit.IsWrite, exit.IsFetch));
    }

    [Fact]
    public void An_instruction_crossing_into_an_unfaulted_code_page_faults_on_that_page()
    {
        var rig = new CpuRig();
        ulong va = CpuRig.CodeVa + MmKit.P - 3;   // mov rax, imm64 is 10 bytes: 3 here, 7 on the next page
        MmKit.MapAt(rig.Mm, CpuRig.CodeVa, 2, CpuRig.Rwx);
        byte[] code = CpuRig.Assemble(a => { a.mov(rax, 0x0102030405060708); a.syscall(); }, va);
        Assert.Equal(Errno.Ok, rig.Mm.WriteUser(va, code.AsSpan(0, 3), out _));
        rig.S.Rip = va;

        CpuExit exit = rig.Cpu.Run(10);
        Assert.Equal(CpuExitKind.PageFault, exit.Kind);
        Assert.True(exit.IsFetch);
        Assert.Equal(CpuRig.CodeVa + MmKit.P, exit.FaultAddress);

        Assert.Equal(Errno.Ok, rig.Mm.WriteUser(va + 3, code.AsSpan(3), out _));
        rig.RunToSyscall();
        Assert.Equal(0x0102030405060708UL, rig.S.Rax);
    }

    [Fact]
    public void Write_to_a_copy_on_write_page_after_fork_breaks_cow_in_the_child_only()
    {
        var rig = new CpuRig();
        MmKit.MapAt(rig.Mm, CpuRig.DataVa, 1);
        rig.WriteU64(CpuRig.DataVa, 1);
        rig.Load(a =>
        {
            a.mov(rbx, CpuRig.DataVa);
            a.mov(__qword_ptr[rbx], 2);
            a.mov(rax, __qword_ptr[rbx]);
            a.syscall();
        });
        Assert.Equal(Errno.Ok, rig.Mm.Fork(out AddressSpace? child));
        var childMmu = MmKit.AttachCpu(rig.Machine, child!);
        var childCpu = new Core.Cpu.Cpu(childMmu, new CpuOptions { Frames = rig.Machine.Frames });
        childCpu.State.Rip = CpuRig.CodeVa;
        childCpu.State.Rsp = CpuRig.StackTop;

        CpuExit exit = childCpu.Run(100);
        int faults = 0;
        while (exit.Kind == CpuExitKind.PageFault)
        {
            Assert.Equal(FaultResult.Resolved, child!.HandleFault(exit.FaultAddress, exit.IsWrite, exit.IsFetch));
            faults++;
            exit = childCpu.Run(100);
        }

        Assert.Equal(CpuExitKind.Syscall, exit.Kind);
        Assert.True(faults >= 1, "the store must have faulted on the write-protected COW page");
        Assert.Equal(2UL, childCpu.State.Rax);
        Assert.Equal(1UL, rig.ReadU64(CpuRig.DataVa));           // the parent's page is untouched
        Assert.NotEqual(MmKit.Pfn(rig.Mm, CpuRig.DataVa), MmKit.Pfn(child!, CpuRig.DataVa));
    }

    [Theory]
    [InlineData(new byte[] { 0x0F, 0x0B }, CpuExitKind.InvalidOpcode, "ud2")]           // ud2
    [InlineData(new byte[] { 0x06 }, CpuExitKind.InvalidOpcode, "(bad)")]               // push es: invalid in 64-bit mode
    [InlineData(new byte[] { 0x62, 0xF1, 0x74, 0x48, 0x58, 0xC2 }, CpuExitKind.InvalidOpcode, "vaddps zmm0,zmm1,zmm2")] // AVX-512: not offered
    [InlineData(new byte[] { 0xF4 }, CpuExitKind.GeneralProtection, "hlt")]              // privileged at CPL 3
    [InlineData(new byte[] { 0xCD, 0x80 }, CpuExitKind.GeneralProtection, "int 80h")]
    public void Unimplemented_invalid_and_privileged_instructions_exit_at_the_instruction(byte[] code, CpuExitKind kind, string text)
    {
        var rig = new CpuRig();
        rig.Load(a => { a.nop(); a.db(code); });

        CpuExit exit = rig.RunToExit();

        Assert.Equal(kind, exit.Kind);
        Assert.Equal(CpuRig.CodeVa + 1, exit.Rip);
        Assert.Equal(CpuRig.CodeVa + 1, rig.S.Rip);
        Assert.Equal(text, exit.InstructionText);
        Assert.Equal(1, rig.Cpu.InstructionsRetired);
    }

    [Fact]
    public void Int3_is_a_breakpoint_exit_after_the_instruction()
    {
        var rig = new CpuRig();
        rig.Load(a => a.int3());
        CpuExit exit = rig.RunToExit();
        Assert.Equal(CpuExitKind.Breakpoint, exit.Kind);
        Assert.Equal(CpuRig.CodeVa + 1, rig.S.Rip);
        Assert.Equal(5, exit.Signal);
    }

    [Fact]
    public void A_non_canonical_address_is_a_general_protection_exit()
    {
        var rig = new CpuRig();
        rig.Load(a => { a.mov(rbx, 0x8000_0000_0000_0000); a.mov(rax, __qword_ptr[rbx]); });
        CpuExit exit = rig.RunToExit();
        Assert.Equal(CpuExitKind.GeneralProtection, exit.Kind);
        Assert.Equal(11, exit.Signal);
    }
}

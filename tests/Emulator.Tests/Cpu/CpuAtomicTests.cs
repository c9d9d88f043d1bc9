using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Emulator.Core;
using Emulator.Core.Cpu;
using Emulator.Core.Memory;
using Emulator.Core.Mm;
using Emulator.Core.Paging;
using Emulator.Tests.Mm;
using Iced.Intel;
using static Iced.Intel.AssemblerRegisters;

namespace Emulator.Tests.Cpu;

/// <summary>XADD, CMPXCHG, CMPXCHG8B/16B on memory: results, precise faults, and atomicity of the
/// locked forms against another host thread.</summary>
public sealed class CpuAtomicTests
{
    private const ulong Data = CpuRig.DataVa;

    public static TheoryData<string> MemoryForms() => ["lock cmpxchg", "cmpxchg", "lock xadd", "xadd", "lock cmpxchg8b", "cmpxchg16b"];

    private static void Emit(Assembler a, string form)
    {
        switch (form)
        {
            case "lock cmpxchg": a.@lock.cmpxchg(__qword_ptr[rbx], rcx); break;
            case "cmpxchg": a.cmpxchg(__qword_ptr[rbx], rcx); break;
            case "lock xadd": a.@lock.xadd(__qword_ptr[rbx], rcx); break;
            case "xadd": a.xadd(__qword_ptr[rbx], rcx); break;
            case "lock cmpxchg8b": a.@lock.cmpxchg8b(__qword_ptr[rbx]); break;
            default: a.cmpxchg16b(__oword_ptr[rbx]); break;
        }
    }

    [Theory]
    [MemberData(nameof(MemoryForms))]
    public void A_memory_form_on_an_unfaulted_page_changes_nothing_before_the_fault(string form)
    {
        var rig = new CpuRig();
        MmKit.MapAt(rig.Mm, Data, 1);                       // mapped, never touched: not present
        rig.Load(a => { Emit(a, form); a.syscall(); });
        rig.S.Rax = 7;
        rig.S.Rbx = Data;
        rig.S.Rcx = 0x1111;
        rig.S.Rdx = 0;
        rig.S.Rflags = RFlags.InitialUser | RFlags.CF | RFlags.SF;
        CpuState before = rig.S.Clone();

        CpuExit exit = rig.Cpu.Run(10);

        Assert.Equal(CpuExitKind.PageFault, exit.Kind);
        Assert.True(exit.IsWrite, "a read-modify-write faults as a write, even before it reads");
        Assert.Equal(Data, exit.FaultAddress);
        Assert.Equal(before.ToString(), rig.S.ToString());   // registers, RIP and RFLAGS untouched
        Assert.Equal(before.Rflags, rig.S.Rflags);

        // Resolved (a zero page) and run again: the instruction completes exactly once.
        rig.RunToSyscall();
        ulong mem = rig.ReadU64(Data);
        switch (form)
        {
            case "lock cmpxchg" or "cmpxchg":                  // 7 ≠ 0: rax = 0, memory unchanged
                Assert.Equal(0UL, rig.S.Rax);
                Assert.Equal(0UL, mem);
                break;
            case "lock xadd" or "xadd":                        // mem = 0 + 0x1111 (rcx = 0, then syscall's RIP)
                Assert.Equal(0x1111UL, mem);
                break;
            default:                                           // edx:eax = 0:7 ≠ 0: edx:eax = memory
                Assert.Equal(0UL, rig.S.Rax);
                Assert.Equal(0UL, rig.S.Rdx);
                Assert.Equal(0UL, mem);
                break;
        }
    }

    [Fact]
    public void Cmpxchg_whose_comparison_fails_still_faults_on_a_read_only_page()
    {
        var rig = new CpuRig();
        MmKit.MapAt(rig.Mm, Data, 1);
        rig.WriteU64(Data, 5);
        Assert.Equal(Errno.Ok, rig.Mm.Mprotect(Data, MmKit.P, Protection.Read));
        rig.Load(a => { a.@lock.cmpxchg(__qword_ptr[rbx], rcx); a.syscall(); });
        rig.S.Rax = 6;                                      // ≠ 5: hardware still does a write cycle
        rig.S.Rbx = Data;

        CpuExit exit = rig.RunToExit();

        Assert.Equal(CpuExitKind.PageFault, exit.Kind);
        Assert.Equal(PageFaultErrorCode.Present | PageFaultErrorCode.Write | PageFaultErrorCode.User, exit.ErrorCode);
        Assert.Equal(6UL, rig.S.Rax);                       // the accumulator was not loaded
        Assert.Equal(CpuRig.CodeVa, rig.S.Rip);
    }

    [Fact]
    public void Cmpxchg_and_xadd_in_memory_compute_what_the_sdm_says()
    {
        var rig = new CpuRig();
        MmKit.MapAt(rig.Mm, Data, 1);
        rig.WriteU64(Data, 0xAAAA_AAAA_0000_0005);
        rig.Load(a =>
        {
            a.mov(rbx, Data);
            a.mov(eax, 5);
            a.mov(ecx, 9);
            a.@lock.cmpxchg(__dword_ptr[rbx], ecx);        // equal: [rbx] = 9, ZF = 1
            a.setz(r8b);
            a.mov(eax, 5);
            a.@lock.cmpxchg(__dword_ptr[rbx], ecx);        // 5 ≠ 9: eax = 9, ZF = 0
            a.setz(r9b);
            a.mov(r10, rax);
            a.mov(edx, 100);
            a.@lock.xadd(__word_ptr[rbx + 2], dx);         // bits 16..31 of that dword: 0 + 100, dx = 0
            a.mov(r12, rdx);
            a.syscall();
        });

        rig.RunToSyscall();

        Assert.Equal(0xAAAA_AAAA_0064_0009UL, rig.ReadU64(Data));
        Assert.Equal(1UL, rig.S.R8);
        Assert.Equal(0UL, rig.S.R9);
        Assert.Equal(9UL, rig.S.R10);
        Assert.Equal(0UL, rig.S.R12);
    }

    [Fact]
    public void Cmpxchg8b_and_cmpxchg16b_swap_on_equal_and_load_on_difference()
    {
        var rig = new CpuRig();
        MmKit.MapAt(rig.Mm, Data, 1);
        rig.WriteU64(Data, 0x2222_2222_1111_1111);
        rig.WriteU64(Data + 16, 0xA);
        rig.WriteU64(Data + 24, 0xB);
        rig.Load(a =>
        {
            a.mov(rbx, Data);
            a.mov(r12, rbx);
            a.mov(eax, 0x1111_1111);
            a.mov(edx, 0x2222_2222);
            a.mov(ebx, 0x4444_4444);
            a.mov(ecx, 0x3333_3333);
            a.@lock.cmpxchg8b(__qword_ptr[r12]);          // equal: [r12] = ecx:ebx
            a.setz(r8b);
            a.@lock.cmpxchg8b(__qword_ptr[r12]);          // now different: edx:eax = [r12]
            a.setz(r9b);
            a.mov(r13, rax);
            a.mov(r14, rdx);
            a.mov(eax, 0xA);
            a.xor(edx, edx);                               // rdx:rax = 0:0xA ≠ 0xB:0xA
            a.cmpxchg16b(__oword_ptr[r12 + 16]);
            a.mov(r15, rdx);                               // 0xB
            a.mov(ebx, 1);
            a.mov(ecx, 2);
            a.cmpxchg16b(__oword_ptr[r12 + 16]);          // equal now: [r12+16] = rcx:rbx
            a.setz(r10b);
            a.syscall();
        });

        rig.RunToSyscall();

        Assert.Equal(1UL, rig.S.R8);
        Assert.Equal(0UL, rig.S.R9);
        Assert.Equal(0x4444_4444UL, rig.S.R13);
        Assert.Equal(0x3333_3333UL, rig.S.R14);
        Assert.Equal(0x3333_3333_4444_4444UL, rig.ReadU64(Data));
        Assert.Equal(0xBUL, rig.S.R15);
        Assert.Equal(1UL, rig.S.R10);
        Assert.Equal(1UL, rig.ReadU64(Data + 16));
        Assert.Equal(2UL, rig.ReadU64(Data + 24));
    }

    [Fact]
    public void Cmpxchg16b_on_an_unaligned_operand_is_a_general_protection_exit()
    {
        var rig = new CpuRig();
        MmKit.MapAt(rig.Mm, Data, 1);
        rig.Load(a => { a.mov(rbx, Data + 8); a.cmpxchg16b(__oword_ptr[rbx]); });

        CpuExit exit = rig.RunToExit();

        Assert.Equal(CpuExitKind.GeneralProtection, exit.Kind);
        Assert.Equal(Data + 8, exit.FaultAddress);
    }

    [Fact]
    public void Lock_xadd_and_lock_cmpxchg_are_atomic_against_another_host_thread()
    {
        // The guest adds 1 a time with lock xadd (dword) and lock cmpxchg loops (qword) while a host
        // thread (standing in for a device's DMA) does Interlocked increments of the same words for
        // as long as the guest runs. A lost update on either side changes the totals.
        const int GuestAdds = 100_000;
        var rig = new CpuRig();
        MmKit.MapAt(rig.Mm, Data, 1);
        rig.WriteU64(Data, 0);
        rig.WriteU64(Data + 8, 0);
        rig.Load(a =>
        {
            Label loop = a.CreateLabel(), retry = a.CreateLabel();
            a.mov(rbx, Data);
            a.mov(esi, GuestAdds);
            a.Label(ref loop);
            a.mov(ecx, 1);
            a.@lock.xadd(__dword_ptr[rbx], ecx);
            a.mov(rax, __qword_ptr[rbx + 8]);
            a.Label(ref retry);
            a.lea(rcx, __qword_ptr[rax + 1]);
            a.@lock.cmpxchg(__qword_ptr[rbx + 8], rcx);
            a.jne(retry);
            a.dec(esi);
            a.jne(loop);
            a.syscall();
        });
        ulong pa = rig.Mmu.Translate(Data, AccessType.User).Translation.PhysicalAddress;
        PhysicalMemory memory = rig.Machine.Memory;
        using var start = new Barrier(2);
        bool guestDone = false;
        long hostAdds = 0;
        var host = new Thread(() =>
        {
            start.SignalAndWait();
            ref byte b = ref Unsafe.Add(ref MemoryMarshal.GetReference(memory.Frame(pa >> Page.Shift)), (int)(pa & Page.Mask));
            while (!Volatile.Read(ref guestDone))
            {
                Interlocked.Increment(ref Unsafe.As<byte, int>(ref b));
                Interlocked.Increment(ref Unsafe.As<byte, long>(ref Unsafe.Add(ref b, 8)));
                hostAdds++;
            }
        });
        host.Start();
        start.SignalAndWait();

        rig.RunToSyscall(budget: 100_000_000);
        Volatile.Write(ref guestDone, true);
        host.Join();

        Assert.True(hostAdds > 0, "the host thread ran alongside the guest");
        Assert.Equal((ulong)(GuestAdds + hostAdds), rig.ReadU64(Data));
        Assert.Equal((ulong)(GuestAdds + hostAdds), rig.ReadU64(Data + 8));
    }
}

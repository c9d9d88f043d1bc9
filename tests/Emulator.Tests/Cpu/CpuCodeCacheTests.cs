using Emulator.Core;
using Emulator.Core.Cpu;
using Emulator.Core.Mm;
using Emulator.Tests.Mm;
using static Iced.Intel.AssemblerRegisters;

namespace Emulator.Tests.Cpu;

/// <summary>The decoded-instruction cache never runs stale code: self-modifying code, freed and
/// reused frames, and writers outside the CPU.</summary>
public sealed class CpuCodeCacheTests
{
    [Fact]
    public void Self_modifying_code_runs_the_new_instruction()
    {
        var rig = new CpuRig();
        rig.Load(a =>
        {
            var next = a.CreateLabel();
            var done = a.CreateLabel();
            a.xor(ecx, ecx);
            a.Label(ref next);
            a.mov(al, 7);                        // B0 07: the second pass must see B0 2A
            a.test(ecx, ecx);
            a.jnz(done);
            a.inc(ecx);
            a.lea(rbx, __[next]);
            a.mov(__byte_ptr[rbx + 1], 42);
            a.jmp(next);
            a.Label(ref done);
            a.syscall();
        });

        rig.RunToSyscall();

        Assert.Equal(42UL, rig.S.Rax & 0xFF);
    }

    [Fact]
    public void A_freed_and_remapped_code_page_runs_its_new_code()
    {
        var rig = new CpuRig();
        rig.Load(a => { a.mov(eax, 1); a.syscall(); });
        rig.RunToSyscall();
        Assert.Equal(1UL, rig.S.Rax);
        Assert.Equal(1, rig.Cpu.CachedCodePages);

        Assert.Equal(Errno.Ok, rig.Mm.Munmap(CpuRig.CodeVa, MmKit.P));
        rig.Load(a => { a.mov(eax, 2); a.syscall(); });          // same VA, a new frame lifetime
        rig.RunToSyscall();

        Assert.Equal(2UL, rig.S.Rax);
    }

    [Fact]
    public void Code_rewritten_behind_the_cpu_needs_InvalidateCode()
    {
        var rig = new CpuRig();
        rig.Load(a => { a.mov(eax, 1); a.syscall(); });
        rig.RunToSyscall();
        byte[] patched = CpuRig.Assemble(a => { a.mov(eax, 2); a.syscall(); }, CpuRig.CodeVa);
        Assert.Equal(Errno.Ok, rig.Mm.WriteUser(CpuRig.CodeVa, patched, out _));

        rig.S.Rip = CpuRig.CodeVa;
        rig.RunToSyscall();
        Assert.Equal(1UL, rig.S.Rax);                        // the cache is in use: same frame, same generation

        rig.Cpu.InvalidateCode(MmKit.Pfn(rig.Mm, CpuRig.CodeVa) << 12, (ulong)patched.Length);
        rig.S.Rip = CpuRig.CodeVa;
        rig.RunToSyscall();
        Assert.Equal(2UL, rig.S.Rax);
    }

    [Fact]
    public void Without_a_frame_allocator_every_instruction_is_decoded_from_memory()
    {
        var rig = new CpuRig(cache: false);
        rig.Load(a => { a.mov(eax, 1); a.syscall(); });
        rig.RunToSyscall();
        Assert.Equal(Errno.Ok, rig.Mm.WriteUser(CpuRig.CodeVa, CpuRig.Assemble(a => { a.mov(eax, 2); a.syscall(); }, CpuRig.CodeVa), out _));
        rig.S.Rip = CpuRig.CodeVa;
        rig.RunToSyscall();
        Assert.Equal(2UL, rig.S.Rax);
        Assert.Equal(0, rig.Cpu.CachedCodePages);
    }

    /// <summary>Two vCPUs sharing one cache (as the guest kernel's do): code cached by one and
    /// rewritten by the other's store runs as rewritten on the first.</summary>
    [Fact]
    public void A_store_by_another_vcpu_sharing_the_cache_drops_the_code_for_both()
    {
        var rig = new CpuRig();
        rig.Load(a =>
        {
            a.mov(eax, 7); // B8 07 00 00 00
            a.syscall();
        });
        var other = new Core.Cpu.Cpu(rig.Mmu, new CpuOptions { Frames = rig.Machine.Frames, CodeCache = rig.Cpu.CodeCache });
        var patcher = CpuRig.Assemble(a =>
        {
            a.mov(rbx, CpuRig.CodeVa);
            a.mov(__byte_ptr[rbx + 1], 42); // the first vCPU's mov eax, 7 becomes mov eax, 42
            a.syscall();
        }, CpuRig.DataVa);
        Assert.Equal(Errno.Ok, rig.Mm.Mmap(CpuRig.DataVa, 0x1000, CpuRig.Rwx, MapFlags.Private | MapFlags.Anonymous | MapFlags.Fixed, out _));
        Assert.Equal(Errno.Ok, rig.Mm.WriteUser(CpuRig.DataVa, patcher, out _));

        rig.RunToSyscall();
        Assert.Equal(7UL, rig.S.Rax);          // decoded and cached
        Assert.True(rig.Cpu.CachedCodePages > 0);

        other.State.Rip = CpuRig.DataVa;
        while (true)
        {
            var exit = other.Run(1_000);
            if (exit.Kind != CpuExitKind.PageFault)
            {
                Assert.Equal(CpuExitKind.Syscall, exit.Kind);
                break;
            }
            Assert.Equal(FaultResult.Resolved, rig.Mm.HandleFault(exit.FaultAddress, exit.IsWrite, exit.IsFetch));
        }

        rig.S.Rip = CpuRig.CodeVa;
        rig.RunToSyscall();
        Assert.Equal(42UL, rig.S.Rax);         // the first vCPU did not run its stale decoded copy
    }
}

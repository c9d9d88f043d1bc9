using Emulator.Core;
using Emulator.Core.Cpu;
using Emulator.Core.Mm;
using Emulator.Core.Paging;
using Emulator.Tests.Mm;
using Emulator.Tests.Support;
using Iced.Intel;

namespace Emulator.Tests.Cpu;

/// <summary>
/// A process with one vCPU: code assembled with Iced's <see cref="Assembler"/> and mapped with
/// <see cref="AddressSpace.Mmap"/>, a stack, and <see cref="RunToExit"/>, which resolves page faults
/// through <see cref="AddressSpace.HandleFault"/> exactly as the kernel will.
/// </summary>
internal sealed class CpuRig
{
    public const ulong CodeVa = 0x40_0000;
    public const ulong DataVa = 0x60_0000;
    public const ulong StackTop = 0x7fff_0000_0000;
    public const Protection Rwx = Protection.Read | Protection.Write | Protection.Exec;

    public CpuRig(int stackPages = 16, bool cache = true)
    {
        (Machine, Mm) = TestMachines.NewProcess();
        Mmu = MmKit.AttachCpu(Machine, Mm);
        Cpu = new Core.Cpu.Cpu(Mmu, new CpuOptions { Frames = cache ? Machine.Frames : null });
        MmKit.MapAt(Mm, StackTop - (ulong)stackPages * MmKit.P, stackPages);
        Cpu.State.Rsp = StackTop;
    }

    public Machine Machine { get; }
    public AddressSpace Mm { get; }
    public Mmu Mmu { get; }
    public Core.Cpu.Cpu Cpu { get; }
    public CpuState S => Cpu.State;

    /// <summary>Page faults <see cref="RunToExit"/> resolved.</summary>
    public int ResolvedFaults { get; private set; }

    public static byte[] Assemble(Action<Assembler> build, ulong va)
    {
        var a = new Assembler(64);
        build(a);
        var ms = new MemoryStream();
        a.Assemble(new StreamCodeWriter(ms), va);
        return ms.ToArray();
    }

    /// <summary>Assembles at <paramref name="va"/>, maps the pages (fixed, private) and writes the code; RIP = va.</summary>
    public ulong Load(Action<Assembler> build, ulong va = CodeVa, Protection prot = Rwx, bool map = true)
    {
        byte[] code = Assemble(build, va);
        ulong start = va & ~(MmKit.P - 1);
        if (map)
        {
            MmKit.MapAt(Mm, start, (int)((va - start + (ulong)code.Length + MmKit.P - 1) / MmKit.P), Protection.ReadWrite);
        }
        Assert.Equal(Errno.Ok, Mm.WriteUser(va, code, out _));
        if (map && prot != Protection.ReadWrite)
        {
            Assert.Equal(Errno.Ok, Mm.Mprotect(start, (ulong)code.Length + (va - start), prot));
        }
        S.Rip = va;
        return va;
    }

    /// <summary>Runs until an exit other than a resolvable page fault: a #PF is handed to
    /// <see cref="AddressSpace.HandleFault"/> and the vCPU resumes, as the kernel does.</summary>
    public CpuExit RunToExit(long budget = 10_000_000)
    {
        for (int rounds = 0; rounds < 100_000; rounds++)
        {
            CpuExit exit = Cpu.Run(budget);
            if (exit.Kind != CpuExitKind.PageFault)
            {
                return exit;
            }
            if (Mm.HandleFault(exit.FaultAddress, exit.IsWrite, exit.IsFetch) != FaultResult.Resolved)
            {
                return exit;
            }
            ResolvedFaults++;
        }
        throw new InvalidOperationException("page fault storm: the same fault keeps coming back");
    }

    /// <summary>Runs to the terminating <c>syscall</c> and asserts that is how it stopped.</summary>
    public CpuExit RunToSyscall(long budget = 10_000_000)
    {
        CpuExit exit = RunToExit(budget);
        Assert.True(exit.Kind == CpuExitKind.Syscall, $"expected a syscall exit, got {exit}");
        return exit;
    }

    public ulong ReadU64(ulong va)
    {
        var b = new byte[8];
        Assert.Equal(Errno.Ok, Mm.ReadUser(va, b, out _));
        return BitConverter.ToUInt64(b);
    }

    public void WriteU64(ulong va, ulong value) => Assert.Equal(Errno.Ok, Mm.WriteUser(va, BitConverter.GetBytes(value), out _));
}

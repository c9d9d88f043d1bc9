using Emulator.Core.Memory;
using Emulator.Core.Paging;

namespace Emulator.Core.Kernel.Sys;

/// <summary>One virtual CPU of the guest kernel: an MMU (CR3, TLB) and a CPU, and the thread it runs.</summary>
internal sealed class Vcpu
{
    /// <param name="index">Its number.</param>
    /// <param name="memory">The machine's RAM.</param>
    /// <param name="mode">4- or 5-level paging.</param>
    /// <param name="frames">For the decoded-instruction cache's generation check.</param>
    /// <param name="code">The decoded-instruction cache every vCPU of the kernel shares (they run on
    /// one host thread), so a store by one vCPU drops the code for all.</param>
    /// <param name="level">The CPU level (CPUID, instruction set).</param>
    public Vcpu(int index, PhysicalMemory memory, PagingMode mode, FrameAllocator frames, Cpu.CodeCache code, Cpu.CpuLevel level)
    {
        Index = index;
        Mmu = new Mmu(memory, mode, WalkOptions.Default);
        Cpu = new Cpu.Cpu(Mmu, new Cpu.CpuOptions { Frames = frames, CodeCache = code, Level = level });
    }

    public int Index { get; }
    public Mmu Mmu { get; }
    public Cpu.Cpu Cpu { get; }

    /// <summary>The thread on this vCPU, or null when idle.</summary>
    public GuestThread? Current { get; set; }

    /// <summary>Instructions left in the current thread's quantum.</summary>
    public long QuantumLeft { get; set; }

    /// <summary>The last resolved page fault that made no progress, and how many times in a row it
    /// came back (see <see cref="GuestKernelOptions.FaultStormLimit"/>).</summary>
    public ulong StormRip { get; set; }
    public ulong StormAddress { get; set; }
    public int StormCount { get; set; }

    public override string ToString() => $"vcpu{Index}";
}

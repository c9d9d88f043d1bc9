namespace Emulator.Core.Kernel;

/// <summary>What <see cref="GuestKernel.Run"/> did: work done, host time and every process's end.</summary>
public sealed record KernelRunResult
{
    /// <summary>Instructions retired by all threads.</summary>
    public required long Instructions { get; init; }

    /// <summary>Host wall-clock time spent in <see cref="GuestKernel.Run"/>.</summary>
    public required TimeSpan Elapsed { get; init; }

    /// <summary>Page faults the mm resolved (demand paging, COW).</summary>
    public required long PageFaults { get; init; }

    /// <summary>System calls handled (unknown ones included).</summary>
    public required long Syscalls { get; init; }

    /// <summary>Times a vCPU switched to another thread.</summary>
    public required long ContextSwitches { get; init; }

    /// <summary>Signal handlers the kernel set up frames for.</summary>
    public long SignalsDelivered { get; init; }

    /// <summary>The virtual clock at the end of the run, in nanoseconds.</summary>
    public long VirtualNanoseconds { get; init; }

    /// <summary>Every process, in PID order.</summary>
    public required IReadOnlyList<GuestProcessResult> Processes { get; init; }

    /// <summary>Syscall numbers that returned -ENOSYS, ascending.</summary>
    public IReadOnlyList<ulong> UnknownSyscalls { get; init; } = [];

    /// <summary>Millions of instructions per host second.</summary>
    public double Mips => Elapsed.TotalSeconds > 0 ? Instructions / Elapsed.TotalSeconds / 1e6 : 0;

    /// <summary>The first spawned process's result (null when none was spawned).</summary>
    public GuestProcessResult? Init => Processes.Count > 0 ? Processes[0] : null;

    public override string ToString() =>
        $"{Instructions} instructions in {Elapsed.TotalMilliseconds:F0} ms ({Mips:F1} MIPS), {PageFaults} page faults, {Syscalls} syscalls, {ContextSwitches} context switches";
}

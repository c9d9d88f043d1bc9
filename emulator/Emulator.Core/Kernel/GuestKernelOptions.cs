using Emulator.Core.Kernel.Exec;

namespace Emulator.Core.Kernel;

/// <summary>Configuration of a <see cref="GuestKernel"/>: vCPUs, the scheduler's seed and quantum, the
/// console streams and the virtual clock.</summary>
public sealed record GuestKernelOptions
{
    /// <summary>vCPUs, each an MMU and a CPU; they are stepped in a fixed order on the calling thread.</summary>
    public int Vcpus { get; init; } = 1;

    /// <summary>Seeds the scheduler's quantum lengths: the same seed gives the same interleaving, the
    /// same output and the same instruction counts.</summary>
    public ulong Seed { get; init; } = 1;

    /// <summary>Shortest quantum in instructions (inclusive).</summary>
    public int MinQuantum { get; init; } = 2_000;

    /// <summary>Longest quantum in instructions (inclusive).</summary>
    public int MaxQuantum { get; init; } = 20_000;

    /// <summary>Most instructions one vCPU runs before the next vCPU gets a turn, so several vCPUs
    /// interleave finely even with long quanta.</summary>
    public int Tick { get; init; } = 1_000;

    /// <summary>Runs several ticks at once when nothing could happen between them (see
    /// <c>GuestKernel.RunBudget</c>); the run is the same either way. Off only for the test that
    /// shows it.</summary>
    internal bool MergeIdleRounds { get; init; } = true;

    /// <summary>How threads and device engines are interleaved (the seed draws within it).</summary>
    public SchedulePolicy Schedule { get; init; } = SchedulePolicy.Default;

    /// <summary>Most steps each device's asynchronous engine takes per scheduler round (drawn from the
    /// seeded generator between 1 and this): how fast DMA progresses relative to the vCPUs.</summary>
    public int MaxDeviceSteps { get; init; } = 4;

    /// <summary>Total instructions all processes may retire; beyond it every live process is killed
    /// (SIGKILL) with a report. Guards against a guest that never exits.</summary>
    public long MaxInstructions { get; init; } = 4_000_000_000;

    /// <summary>The guest's file system; null for the host's, seen as the invoking user (no confinement,
    /// no overlay), with the kernel's seed for /dev/urandom.</summary>
    public Fs.GuestFileSystem? FileSystem { get; init; }

    /// <summary>The first process's working directory (a guest path); null for the host's working
    /// directory as the guest sees it (see <c>GuestFileSystem.InitialWorkingDirectory</c>).</summary>
    public string? WorkingDirectory { get; init; }

    /// <summary>Where reads of fd 0 come from (null: end of file at once).</summary>
    public Stream? Stdin { get; init; }

    /// <summary>The host descriptors behind <see cref="Stdin"/>, <see cref="Stdout"/> and
    /// <see cref="Stderr"/> (-1: none), so fstat and the terminal ioctls on fds 0–2 see the host's.</summary>
    public int StdinHostFd { get; init; } = -1;
    public int StdoutHostFd { get; init; } = -1;
    public int StderrHostFd { get; init; } = -1;

    /// <summary>Where writes to fd 1 go (null: discarded).</summary>
    public Stream? Stdout { get; init; }

    /// <summary>Where writes to fd 2 go (null: discarded).</summary>
    public Stream? Stderr { get; init; }

    /// <summary>Virtual nanoseconds per retired instruction (clock_gettime's time base).</summary>
    public long NanosecondsPerInstruction { get; init; } = 1;

    /// <summary>CLOCK_REALTIME at virtual time zero, in seconds since the Unix epoch
    /// (default 2025-01-01T00:00:00Z), so runs are reproducible.</summary>
    public long RealtimeEpochSeconds { get; init; } = 1_735_689_600;

    /// <summary>The CPU level every vCPU runs at (CPUID, AT_HWCAP, which instructions execute).</summary>
    public Cpu.CpuLevel CpuLevel { get; init; } = Cpu.CpuLevel.V3;

    /// <summary>Options of the start-up image (uid, AT_RANDOM seed, ...).</summary>
    public ProcessImageOptions Image { get; init; } = ProcessImageOptions.Default;

    /// <summary>Resolved page faults in a row at the same RIP and address after which the process is
    /// killed (SIGSEGV): the fault handler claims success but the access keeps faulting.</summary>
    public int FaultStormLimit { get; init; } = 64;
}

using Emulator.Core.Cpu;
using Emulator.Core.Mm;

namespace Emulator.Core.Kernel;

/// <summary>
/// One single-threaded guest process: its address space, its saved registers while off a vCPU, its
/// descriptor table, its children and, once it has exited, its wait status and crash report.
/// </summary>
/// <remarks>Owned by <see cref="GuestKernel"/> and touched only from its scheduler thread.</remarks>
public sealed class GuestProcess
{
    /// <summary>Highest descriptor number plus one (RLIMIT_NOFILE's usual soft limit).</summary>
    public const int MaxFiles = 1024;

    internal GuestProcess(int pid, GuestProcess? parent, string name, AddressSpace mm, CpuState registers, List<GuestFile?> files)
    {
        Pid = pid;
        Parent = parent;
        Name = name;
        Mm = mm;
        Registers = registers;
        Files = files;
    }

    public int Pid { get; }

    /// <summary>The parent, or null for a process the host spawned (or once the parent has exited).</summary>
    public GuestProcess? Parent { get; internal set; }

    /// <summary>argv[0] (inherited by fork's child).</summary>
    public string Name { get; }

    public AddressSpace Mm { get; }

    public GuestProcessState State { get; internal set; }

    /// <summary>The registers while the process is off a vCPU (a vCPU holds the live copy while it runs).</summary>
    internal CpuState Registers { get; }

    /// <summary>Descriptor table: index = fd; null = free.</summary>
    internal List<GuestFile?> Files { get; }

    internal List<GuestProcess> Children { get; } = [];

    /// <summary>Instructions this process retired (its CPU time).</summary>
    public long Instructions { get; internal set; }

    /// <summary>The wait4 status word once exited: <c>code &lt;&lt; 8</c> for exit(code), the signal
    /// number when killed.</summary>
    public int WaitStatus { get; internal set; }

    /// <summary>Why the process was killed (signal, RIP, instruction, address), or null.</summary>
    public string? Report { get; internal set; }

    /// <summary>True once the process has exited (zombie or reaped).</summary>
    public bool HasExited => State is GuestProcessState.Zombie or GuestProcessState.Reaped;

    /// <summary>A snapshot for <see cref="KernelRunResult"/>.</summary>
    public GuestProcessResult ToResult() => new(Pid, Parent?.Pid ?? 0, Name, HasExited, WaitStatus, Instructions, Report);

    public override string ToString() => $"pid {Pid} ({Name})";
}

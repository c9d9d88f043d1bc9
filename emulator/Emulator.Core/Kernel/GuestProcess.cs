using Emulator.Core.Kernel.Fs;
using Emulator.Core.Kernel.Signals;
using Emulator.Core.Mm;

namespace Emulator.Core.Kernel;

/// <summary>
/// One guest process — a thread group: its address space, its threads, its descriptor table, its
/// signal dispositions and process-wide pending signals, its children and, once it has exited, its
/// wait status and crash report.
/// </summary>
/// <remarks>Owned by <see cref="GuestKernel"/> and touched only from its scheduler thread.</remarks>
public sealed class GuestProcess
{
    /// <summary>Highest descriptor number plus one (RLIMIT_NOFILE's usual soft limit).</summary>
    public const int MaxFiles = 1024;

    internal GuestProcess(int pid, GuestProcess? parent, string name, AddressSpace mm, FdTable files, FsContext fs, SignalActions actions)
    {
        Pid = pid;
        Parent = parent;
        Name = name;
        Mm = mm;
        Files = files;
        Fs = fs;
        Actions = actions;
        Pgid = parent?.Pgid ?? pid;
        Sid = parent?.Sid ?? pid;
    }

    /// <summary>The process ID (the thread-group ID, the leader's thread ID).</summary>
    public int Pid { get; }

    /// <summary>The parent, or null for a process the host spawned (or once the parent has exited).</summary>
    public GuestProcess? Parent { get; internal set; }

    /// <summary>argv[0] at the last execve (inherited by fork's child).</summary>
    public string Name { get; internal set; }

    /// <summary>The address space (replaced by execve; shared with a CLONE_VM child).</summary>
    public AddressSpace Mm { get; internal set; }

    public GuestProcessState State { get; internal set; }

    /// <summary>The live threads, the leader first while it lives.</summary>
    internal List<GuestThread> Threads { get; } = [];

    /// <summary>The descriptor table (its threads share it).</summary>
    internal FdTable Files { get; set; }

    /// <summary>Working directory and umask (its threads share them; fork copies).</summary>
    internal FsContext Fs { get; set; }

    /// <summary>What /proc/self/maps names: the executable image's ranges (with their file offsets),
    /// the start of the heap and the stack's range, as the last execve laid them out.</summary>
    internal List<(ulong Start, ulong End, ulong Offset)> ImageRanges { get; set; } = [];
    internal ulong HeapStart, StackStart, StackEnd;

    /// <summary>Signal dispositions (shared by the threads; a CLONE_SIGHAND child shares them too).</summary>
    internal SignalActions Actions { get; set; }

    /// <summary>Signals sent to the process as a whole (kill), taken by whichever thread does not block them.</summary>
    internal PendingSignals SharedPending { get; } = new();

    internal List<GuestProcess> Children { get; } = [];

    /// <summary>Threads of this process sleeping in wait4/waitid until a child changes state.</summary>
    internal SleeperQueue ChildWait { get; } = new();

    /// <summary>Process group and session IDs.</summary>
    internal int Pgid, Sid;

    /// <summary>The signal the parent gets when this process exits (clone's CSIGNAL; SIGCHLD for fork).</summary>
    internal int ExitSignal = SignalAbi.SigChld;

    /// <summary>Set once exit_group, a fatal signal or execve began taking the threads down.</summary>
    internal bool GroupExiting;

    /// <summary>Stopped by a stop signal and not continued yet (job control): its threads are parked.</summary>
    public bool Stopped { get; internal set; }

    /// <summary>The stop signal not yet reported to a waiting parent (wait4 WUNTRACED, waitid
    /// WSTOPPED), or 0.</summary>
    internal int StopReport;

    /// <summary>A SIGCONT not yet reported to a waiting parent (WCONTINUED).</summary>
    internal bool ContinueReport;

    /// <summary>The wait status a group exit leaves (exit code or signal).</summary>
    internal int GroupExitStatus;

    /// <summary>ITIMER_REAL: virtual time of the next SIGALRM (<see cref="long.MaxValue"/>: disarmed) and
    /// the reload interval in nanoseconds.</summary>
    internal long AlarmDeadline = long.MaxValue, AlarmInterval;

    /// <summary>The executable's guest path (/proc/self/exe, AT_EXECFN).</summary>
    internal string ExePath = "";

    /// <summary>The executable's bytes (shared with forked children): what execve of /proc/self/exe runs.</summary>
    internal byte[] ExeImage = [];

    /// <summary>argv and envp of the last execve, NUL-separated (/proc/self/cmdline, environ).</summary>
    internal byte[] Cmdline = [], Environ = [];

    /// <summary>CPU time (instructions) of children this process reaped (RUSAGE_CHILDREN, times()).</summary>
    internal long ChildInstructions;

    /// <summary>Resource limits set with setrlimit/prlimit (null until one is set), and which are set.</summary>
    internal (ulong Soft, ulong Hard)[]? Limits;
    internal readonly bool[] LimitSet = new bool[16];

    /// <summary>PR_SET_PDEATHSIG's signal (kept for PR_GET_PDEATHSIG).</summary>
    internal int DeathSignal;

    /// <summary>The vfork parent thread sleeping until this process execs or exits, or null.</summary>
    internal GuestThread? VforkParent;

    /// <summary>The /proc view of this process (the kernel's <c>ProcessView</c>), made on first use.</summary>
    internal object? View;

    /// <summary>Instructions this process's threads retired (its CPU time), exited threads included.</summary>
    public long Instructions { get; internal set; }

    /// <summary>The wait4 status word once exited: <c>code &lt;&lt; 8</c> for exit(code), the signal
    /// number when killed.</summary>
    public int WaitStatus { get; internal set; }

    /// <summary>Why the process was killed (signal, RIP, instruction, address), or null.</summary>
    public string? Report { get; internal set; }

    /// <summary>True once the process has exited (zombie or reaped).</summary>
    public bool HasExited => State is GuestProcessState.Zombie or GuestProcessState.Reaped;

    /// <summary>The thread whose TID is the process ID, if it is still alive.</summary>
    internal GuestThread? Leader => Threads.Count > 0 && Threads[0].Tid == Pid ? Threads[0] : null;

    /// <summary>A snapshot for <see cref="KernelRunResult"/>.</summary>
    public GuestProcessResult ToResult() => new(Pid, Parent?.Pid ?? 0, Name, HasExited, WaitStatus, Instructions, Report);

    public override string ToString() => $"pid {Pid} ({Name})";
}

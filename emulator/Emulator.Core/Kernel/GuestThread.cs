using Emulator.Core.Cpu;
using Emulator.Core.Kernel.Signals;

namespace Emulator.Core.Kernel;

/// <summary>
/// One thread of a <see cref="GuestProcess"/> (Linux's <c>task_struct</c> of a thread group member):
/// its registers, its thread ID, its signal mask and pending signals, its alternate signal stack,
/// the futex addresses of <c>set_tid_address</c> and <c>set_robust_list</c>, and while it sleeps in a
/// system call, how it is to be woken.
/// </summary>
/// <remarks>Owned by <see cref="GuestKernel"/> and touched only from its scheduler thread.</remarks>
public sealed class GuestThread
{
    internal GuestThread(int tid, GuestProcess process, CpuState registers)
    {
        Tid = tid;
        Process = process;
        Registers = registers;
    }

    /// <summary>The thread ID (the process ID for the thread-group leader).</summary>
    public int Tid { get; internal set; }

    /// <summary>The thread group it belongs to.</summary>
    public GuestProcess Process { get; }

    public GuestThreadState State { get; internal set; }

    /// <summary>The registers while off a vCPU (a vCPU holds the live copy while it runs).</summary>
    internal CpuState Registers { get; }

    /// <summary>The thread's name (PR_SET_NAME; /proc/self/comm): the executable's base name at first.</summary>
    internal string Comm = "";

    /// <summary>Instructions this thread retired.</summary>
    public long Instructions { get; internal set; }

    /// <summary>Blocked signals (bit n-1 for signal n).</summary>
    internal ulong SignalMask;

    /// <summary>Signals sent to this thread alone (tgkill, synchronous faults).</summary>
    internal readonly PendingSignals Pending = new();

    /// <summary>The mask to restore when a sigsuspend/ppoll/pselect that swapped it returns, or null.</summary>
    internal ulong? SavedSignalMask;

    /// <summary>sigaltstack(2): base, size and SS_* flags of the alternate signal stack.</summary>
    internal ulong AltStackSp, AltStackSize;
    internal int AltStackFlags = SignalAbi.SsDisable;

    /// <summary>set_tid_address / CLONE_CHILD_CLEARTID: the futex word zeroed and woken at exit.</summary>
    internal ulong ClearChildTid;

    /// <summary>set_robust_list: the head of the list of held robust futexes and its size.</summary>
    internal ulong RobustListHead, RobustListLength;

    // --- A blocked system call (see GuestKernel.Block) ---

    /// <summary>What the thread sleeps on (a futex queue, a wait queue, its children, time), or null.</summary>
    internal IWaitChannel? BlockedOn;

    /// <summary>Virtual time at which the sleep ends by itself (<see cref="long.MaxValue"/>: never).</summary>
    internal long Deadline = long.MaxValue;

    /// <summary>How the sleep ends: re-run the call, or complete it with a result.</summary>
    internal WakeMode WakeMode;

    /// <summary>The result a deadline gives a <see cref="Kernel.WakeMode.Complete"/> sleep (e.g. -ETIMEDOUT).</summary>
    internal long TimeoutResult;

    /// <summary>How a signal handler interrupts the sleep.</summary>
    internal RestartKind Restart;

    /// <summary>RIP of the sleeping <c>syscall</c> instruction and of the instruction after it.</summary>
    internal ulong SyscallRip, SyscallNextRip;

    /// <summary>The system call number being slept in (for restarts and reports).</summary>
    internal ulong SyscallNumber;

    /// <summary>Per-call state of a call that blocks and restarts (for instance the absolute deadline of
    /// a poll with a timeout, computed at its first attempt): kept across restarts of the same call,
    /// cleared when the call completes.</summary>
    internal long CallDeadline = long.MinValue;

    /// <summary>Per-call progress of a call that blocks and restarts (a blocking pipe write's bytes
    /// already written): kept across restarts, 0 when the call completes.</summary>
    internal long CallProgress;

    /// <summary>Set when a call returned -EINTR that signal delivery may turn into a restart: the per-call
    /// slots survive until that is settled.</summary>
    internal bool KeepCallSlots;

    /// <summary>The file layer's view of this thread (the kernel's <c>ThreadContext</c>), made on first use.</summary>
    internal object? FileContext;

    /// <summary>Whether a signal ended the sleeping call and it may yet be restarted.</summary>
    internal InterruptState Interrupted;

    /// <summary>nanosleep's rem argument while it sleeps (0: none or an absolute sleep).</summary>
    internal ulong SleepRemainingPtr;

    /// <summary>The CPU exit behind the last forced signal (for the crash report when it kills).</summary>
    internal CpuExit FaultExit;
    internal bool HasFaultExit;

    /// <summary>rt_sigtimedwait's set while the thread waits in it.</summary>
    internal ulong WaitedSignals;

    /// <summary>FUTEX_WAIT_BITSET's bitset while waiting on a futex.</summary>
    internal uint FutexBitset;

    /// <summary>True while a vfork parent waits for this (child) thread's process to exec or exit.</summary>
    internal bool IsVforkParent;

    public override string ToString() => Tid == Process.Pid ? Process.ToString() : $"{Process} thread {Tid}";
}

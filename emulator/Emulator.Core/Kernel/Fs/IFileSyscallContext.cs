namespace Emulator.Core.Kernel.Fs;

/// <summary>
/// The calling thread, as <see cref="FileSyscalls"/> sees it: its user memory, descriptor table, file
/// system context, credentials, clocks, signals, and the way it sleeps. The kernel's thread type
/// implements it.
/// </summary>
/// <remarks>
/// <para><b>Blocking protocol.</b> A call that must wait (a read of an empty pipe, a write to a full
/// one, poll/select with nothing ready) never sleeps on the host thread. It calls
/// <see cref="Block"/> with the wait queues it depends on and a deadline, and returns
/// <see cref="Block"/>'s result unchanged as the system call's result. The kernel then:</para>
/// <list type="number">
/// <item>arms the thread on every token's queue with <see cref="WaitQueue.Arm"/>; if any refuses (the
/// queue was woken after the call read its generation), the thread is runnable at once;</item>
/// <item>parks the thread until a queue wakes it (<see cref="IWaitQueueWaiter.Woken"/>), the virtual
/// clock (<see cref="NowNanoseconds"/>) reaches the deadline, or a signal becomes pending; then disarms
/// it from every queue;</item>
/// <item>re-executes the <em>same</em> system call from the start, with the same arguments
/// (rewinding RIP to the <c>syscall</c> instruction and restoring RAX), keeping
/// <see cref="CallDeadline"/> and <see cref="CallProgress"/>.</item>
/// </list>
/// <para>A re-executed call checks its condition again and either completes, blocks again (with its
/// original deadline), returns 0 because the deadline passed (poll, select), or — when it would block
/// and <see cref="SignalPending"/> — returns <see cref="FsAbi.ERestartSys"/> (pipes: restarted after
/// an SA_RESTART handler, else -EINTR) or <see cref="FsAbi.ERestartNoHand"/> (poll, select: restarted only
/// if no handler ran, else -EINTR). Turning those codes into -EINTR or a restart is the signal-delivery
/// code's job, as in Linux's arch/x86/kernel/signal.c. A restart after a signal is still a
/// re-execution: the slots are kept, so poll keeps its original deadline.</para>
/// <para><b>Per-call slots.</b> <see cref="CallDeadline"/> and <see cref="CallProgress"/> belong to the
/// thread. The kernel sets them to <see cref="FileSyscalls.Unset"/> and 0 when the thread enters a
/// system call that is <em>not</em> a re-execution, and leaves them alone across re-executions. poll,
/// ppoll, select and pselect6 store their absolute deadline in <see cref="CallDeadline"/> on the first
/// execution; a blocking pipe write stores the bytes already written in <see cref="CallProgress"/> and
/// continues after them.</para>
/// <para><b>User memory.</b> <see cref="ReadUser"/> and <see cref="WriteUser"/> are called with at most
/// one page at a time, so a fault part-way through a buffer gives Linux's short count.</para>
/// </remarks>
public interface IFileSyscallContext
{
    /// <summary>Copies from the caller's memory as a user load would (Ok, or EFAULT).</summary>
    Errno ReadUser(ulong va, Span<byte> destination);

    /// <summary>Copies to the caller's memory as a user store would (Ok, or EFAULT); the kernel drops
    /// decoded instructions of the written frames.</summary>
    Errno WriteUser(ulong va, ReadOnlySpan<byte> source);

    /// <summary>The caller's descriptor table (shared with CLONE_FILES).</summary>
    FdTable Files { get; }

    /// <summary>The caller's working directory and umask (shared with CLONE_FS).</summary>
    FsContext Fs { get; }

    /// <summary>The thread group id (getpid).</summary>
    int Pid { get; }

    /// <summary>The thread id (gettid).</summary>
    int Tid { get; }

    /// <summary>The effective user id the caller acts as (owner of the files it creates in memory,
    /// subject of permission checks on in-memory files).</summary>
    uint Uid { get; }

    /// <summary>The effective group id.</summary>
    uint Gid { get; }

    /// <summary>CLOCK_MONOTONIC on the virtual clock, in nanoseconds: the time base of deadlines.</summary>
    long NowNanoseconds { get; }

    /// <summary>CLOCK_REALTIME on the virtual clock, in nanoseconds since the epoch: timestamps of
    /// in-memory files.</summary>
    long RealtimeNanoseconds { get; }

    /// <summary>Sends <paramref name="signal"/> to the calling thread (SIGPIPE on a write to a pipe
    /// without readers).</summary>
    void RaiseSignal(int signal);

    /// <summary>True when a signal the thread does not block is pending (with the mask of
    /// <see cref="SetCallSignalMask"/> in force if one was set).</summary>
    bool SignalPending { get; }

    /// <summary>ppoll and pselect6: installs <paramref name="mask"/> as the thread's signal mask for the
    /// rest of this system call (re-executions included); the kernel restores the saved mask when the
    /// call completes, after delivering any signal the temporary mask let through (Linux's
    /// set_user_sigmask / restore_saved_sigmask_unless).</summary>
    void SetCallSignalMask(ulong mask);

    /// <summary>The process /proc/self describes.</summary>
    IProcessView Process { get; }

    /// <summary>
    /// Puts the thread to sleep (see the protocol in the remarks) until a queue in
    /// <paramref name="tokens"/> is woken, <paramref name="deadlineNanoseconds"/> (on
    /// <see cref="NowNanoseconds"/>'s clock; <see cref="long.MaxValue"/> for none) passes, or a signal
    /// arrives. An empty token list with a deadline is a plain sleep.
    /// </summary>
    /// <returns>The kernel's sentinel, which the call returns unchanged. It must be below -4095 (outside
    /// the errno range, so <see cref="FileSyscalls.IsBlocked"/> recognises it). Block only records the
    /// tokens and deadline: the kernel parks the thread if and only if the system call's result is that
    /// sentinel, so a call that changes its mind after Block (sendfile that already moved some bytes)
    /// returns another value and the recorded wait is dropped.</returns>
    long Block(ReadOnlySpan<WaitToken> tokens, long deadlineNanoseconds);

    /// <summary>The per-call deadline slot: <see cref="FileSyscalls.Unset"/> on a call's first execution.</summary>
    ref long CallDeadline { get; }

    /// <summary>The per-call progress slot: 0 on a call's first execution.</summary>
    ref long CallProgress { get; }

    /// <summary>close_range(CLOSE_RANGE_UNSHARE): gives the thread a private copy of its descriptor
    /// table if it shares one (unshare(CLONE_FILES)) and returns the table it now uses.</summary>
    FdTable UnshareFiles();
}

using Emulator.Core.Kernel.Signals;
using Emulator.Core.Kernel.Sys;

namespace Emulator.Core.Kernel;

public sealed partial class GuestKernel
{
    private readonly List<GuestThread> _wakeScratch = [];

    /// <summary>
    /// Puts the thread running on <paramref name="v"/>, which is in a system call, to sleep; returns
    /// <see cref="Blocked"/> for the handler to return.
    /// </summary>
    /// <remarks>
    /// The saved registers are left in the "restart" form (RIP at the <c>syscall</c>, RAX = its
    /// number). Waking with <see cref="Wake(GuestThread, long?)"/> either keeps that form, so the call
    /// runs again and re-checks its condition (<see cref="WakeMode.Restart"/>), or completes it with a
    /// result (<see cref="WakeMode.Complete"/>). A passing <paramref name="deadline"/> wakes a Complete
    /// sleep with <paramref name="timeoutResult"/> and a Restart sleep by re-running the call (which
    /// sees its deadline passed through <see cref="GuestThread.CallDeadline"/>). A signal interrupts the
    /// sleep as <paramref name="restart"/> says (see <see cref="Interrupt"/>).
    /// </remarks>
    private long Block(Vcpu v, IWaitChannel? on, long deadline, WakeMode mode, RestartKind restart, long timeoutResult = 0)
    {
        var t = v.Current!;
        t.BlockedOn = on;
        t.Deadline = deadline;
        t.WakeMode = mode;
        t.Restart = restart;
        t.TimeoutResult = timeoutResult;
        Undispatch(v, GuestThreadState.Blocked);
        t.Registers.Rip = t.SyscallRip;
        t.Registers.Rax = t.SyscallNumber;
        if (deadline != long.MaxValue)
        {
            _sleepers.Add(t);
        }
        return Blocked;
    }

    /// <summary>Ends <paramref name="t"/>'s sleep: with <paramref name="result"/> as the call's return
    /// value, or (null) by running the call again.</summary>
    private void Wake(GuestThread t, long? result)
    {
        if (t.State != GuestThreadState.Blocked)
        {
            return;
        }
        EndSleep(t);
        if (result is long r)
        {
            t.Registers.Rip = t.SyscallNextRip;
            t.Registers.Rax = (ulong)r;
            EndCallSlots(t);
        }
        t.State = GuestThreadState.Runnable;
        _runQueue.Enqueue(t);
    }

    /// <summary>A system call is over: its per-call slots (deadline, progress) are cleared.</summary>
    private static void EndCallSlots(GuestThread t)
    {
        t.CallDeadline = long.MinValue;
        t.CallProgress = 0;
        t.KeepCallSlots = false;
    }

    /// <summary>Wakes every thread in <paramref name="queue"/> to re-run its call.</summary>
    private void WakeAll(SleeperQueue queue)
    {
        _wakeScratch.Clear();
        queue.TakeAll(_wakeScratch);
        foreach (var t in _wakeScratch)
        {
            t.BlockedOn = null;
            Wake(t, t.WakeMode == WakeMode.Complete ? 0 : null);
        }
        _wakeScratch.Clear();
    }

    private void EndSleep(GuestThread t)
    {
        t.BlockedOn?.Remove(t);
        t.BlockedOn = null;
        if (t.Deadline != long.MaxValue)
        {
            _sleepers.Remove(t);
            t.Deadline = long.MaxValue;
        }
    }

    /// <summary>The deadline of a sleeping thread passed.</summary>
    private void TimeOut(GuestThread t)
    {
        if (t.State != GuestThreadState.Blocked)
        {
            return;
        }
        t.Deadline = long.MaxValue;
        Wake(t, t.WakeMode == WakeMode.Complete ? t.TimeoutResult : null);
    }

    /// <summary>
    /// A signal arrived for a sleeping thread: the call ends with -EINTR, marked so that signal
    /// delivery can turn it back into a restart — when no handler runs, or when the handler has
    /// SA_RESTART and the call is <see cref="RestartKind.RestartIfSaRestart"/> (see <see cref="DeliverSignals"/>).
    /// </summary>
    private void Interrupt(GuestThread t)
    {
        if (t.State != GuestThreadState.Blocked)
        {
            return;
        }
        if (t.IsVforkParent)
        {
            return; // a vfork parent sleeps uninterruptibly until the child execs or exits
        }
        if (t.Restart == RestartKind.Reexecute)
        {
            Wake(t, null);
            return;
        }
        t.Interrupted = t.Restart == RestartKind.RestartIfSaRestart ? InterruptState.RestartIfSaRestart : InterruptState.RestartIfNoHandler;
        long deadline = t.Deadline;
        long callDeadline = t.CallDeadline, callProgress = t.CallProgress;
        if (t.SleepRemainingPtr != 0)
        {
            WriteSleepRemaining(t, deadline);
        }
        Wake(t, -(long)Errno.EINTR);
        // Kept in case the call is restarted (see SettleInterruptedCall).
        t.CallDeadline = callDeadline;
        t.CallProgress = callProgress;
    }
}

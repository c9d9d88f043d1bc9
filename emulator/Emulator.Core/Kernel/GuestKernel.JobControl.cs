using Emulator.Core.Kernel.Signals;

namespace Emulator.Core.Kernel;

public sealed partial class GuestKernel
{
    /// <summary>The job-control part of sending <paramref name="sig"/>: SIGCONT discards pending stop
    /// signals and continues a stopped process (and is then queued like any signal, for a handler);
    /// a stop signal with its default action (SIGSTOP always; the others unless
    /// <paramref name="blocked"/> by the receiving thread) stops the process instead of being queued.</summary>
    /// <returns>True when the signal was consumed by stopping the process.</returns>
    private bool StoppedOrContinued(GuestProcess p, int sig, bool blocked)
    {
        if (sig == SignalAbi.SigCont)
        {
            p.SharedPending.Discard(SignalAbi.Bit(SignalAbi.SigStop) | SignalAbi.Bit(SignalAbi.SigTstp) | SignalAbi.Bit(SignalAbi.SigTtin) | SignalAbi.Bit(SignalAbi.SigTtou));
            ContinueProcess(p);
            return false;
        }
        if (SignalAbi.Default(sig) != DefaultAction.Stop || (sig != SignalAbi.SigStop && (!p.Actions[sig].IsDefault || blocked)))
        {
            return false;
        }
        StopProcess(p, sig);
        return true;
    }

    /// <summary>
    /// A stop signal whose action is the default (SIGSTOP always): the process stops at once — each
    /// thread leaves its vCPU at its next step and is parked (<see cref="GuestThreadState.Stopped"/>),
    /// a sleeping one when it wakes — and the parent learns it by SIGCHLD (CLD_STOPPED, unless its
    /// SIGCHLD action has SA_NOCLDSTOP) and wait4(WUNTRACED) (kernel/signal.c do_signal_stop,
    /// do_notify_parent_cldstop). Signals sent meanwhile stay pending until SIGCONT; SIGKILL still kills.
    /// </summary>
    /// <remarks>Linux stops a thread when it next returns to user mode; here the stop is decided when
    /// the signal is sent, which a program cannot tell apart (a blocked thread stays in its call).</remarks>
    private void StopProcess(GuestProcess p, int sig)
    {
        if (p.Stopped || p.HasExited || p.GroupExiting)
        {
            return;
        }
        p.Stopped = true;
        p.StopReport = sig;
        p.ContinueReport = false;
        foreach (var t in p.Threads)
        {
            if (t.State == GuestThreadState.Runnable)
            {
                t.State = GuestThreadState.Stopped; // its run-queue entry is skipped
            }
        }
        NotifyParentOfJobControl(p, SignalAbi.CldStopped, sig);
    }

    /// <summary>SIGCONT to a stopped process: its parked threads go back to the run queue (a blocked
    /// one stays in its call) and the parent learns it (CLD_CONTINUED, wait4 WCONTINUED).</summary>
    private void ContinueProcess(GuestProcess p)
    {
        if (!p.Stopped)
        {
            return;
        }
        p.Stopped = false;
        p.StopReport = 0;
        p.ContinueReport = true;
        foreach (var t in p.Threads)
        {
            if (t.State == GuestThreadState.Stopped)
            {
                t.State = GuestThreadState.Runnable;
                _runQueue.Enqueue(t);
            }
        }
        NotifyParentOfJobControl(p, SignalAbi.CldContinued, SignalAbi.SigCont);
    }

    private void NotifyParentOfJobControl(GuestProcess p, int code, int status)
    {
        var parent = p.Parent;
        if (parent is null || parent.HasExited)
        {
            return;
        }
        if ((parent.Actions[SignalAbi.SigChld].Flags & SignalAbi.SaNoCldStop) == 0)
        {
            SendProcessSignal(parent, new SigInfo(SignalAbi.SigChld, code, p.Pid, _options.Image.Uid, Status: status));
        }
        WakeAll(parent.ChildWait);
    }
}

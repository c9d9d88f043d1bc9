using Emulator.Core.Kernel.Signals;

namespace Emulator.Core.Kernel;

public sealed partial class GuestKernel
{
    /// <summary>Ctrl-C presses not yet delivered (written by any host thread, read by the scheduler).</summary>
    private int _consoleInterrupts;

    /// <summary>
    /// The console's Ctrl-C: SIGINT to the foreground process group — the group of the first process,
    /// which the console started — as a terminal's line discipline sends it (n_tty's ISIG). Safe to
    /// call from any thread (a host signal handler); the scheduler delivers it at its next round, so a
    /// guest with a handler runs it, one blocked in a system call sees EINTR or a restart, and one
    /// without a handler dies of the signal (its status 128 + 2).
    /// </summary>
    public void InterruptFromConsole() => Interlocked.Increment(ref _consoleInterrupts);

    /// <summary>Sends the pending console interrupts; called once per scheduler round.</summary>
    private void DeliverConsoleInterrupts()
    {
        if (Volatile.Read(ref _consoleInterrupts) == 0 || Interlocked.Exchange(ref _consoleInterrupts, 0) == 0 || _processes.Count == 0)
        {
            return;
        }
        int foreground = _processes[0].Pgid;
        var info = SigInfo.Kernel(SignalAbi.SigInt);
        foreach (var p in _processes.ToArray())
        {
            if (!p.HasExited && p.Pgid == foreground)
            {
                SendProcessSignal(p, info);
            }
        }
    }
}

namespace Emulator.Core.Kernel;

/// <summary>What happens to a sleeping system call when a signal with a handler arrives (Linux's
/// -ERESTARTSYS, -ERESTARTNOHAND and -EINTR; arch/x86/kernel/signal.c handle_signal).</summary>
internal enum RestartKind : byte
{
    /// <summary>-ERESTARTSYS: restarted after the handler when it has SA_RESTART, else -EINTR (read,
    /// write, wait4, futex without a timeout).</summary>
    RestartIfSaRestart,

    /// <summary>-ERESTARTNOHAND / -EINTR: -EINTR whenever a handler runs (poll, select, nanosleep,
    /// sigsuspend, futex with a timeout).</summary>
    Interrupt,

    /// <summary>The file layer's protocol: the call runs again, sees the pending signal and itself
    /// returns -ERESTARTSYS or -ERESTARTNOHAND (see <c>IFileSyscallContext</c>).</summary>
    Reexecute,
}

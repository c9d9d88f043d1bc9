namespace Emulator.Core.Kernel;

/// <summary>Set on a thread whose sleeping system call a signal ended with -EINTR; signal delivery
/// decides whether it is restarted instead.</summary>
internal enum InterruptState : byte
{
    None,

    /// <summary>-ERESTARTSYS: restart when no handler runs, or the handler has SA_RESTART.</summary>
    RestartIfSaRestart,

    /// <summary>-ERESTARTNOHAND: restart only when no handler runs.</summary>
    RestartIfNoHandler,
}

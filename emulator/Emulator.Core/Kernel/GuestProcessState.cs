namespace Emulator.Core.Kernel;

/// <summary>Where a <see cref="GuestProcess"/> is in its life (its threads have states of their own).</summary>
public enum GuestProcessState : byte
{
    /// <summary>At least one thread is alive.</summary>
    Live,

    /// <summary>Exited; its status waits for the parent's wait4.</summary>
    Zombie,

    /// <summary>Exited and reaped (by the parent's wait4, or because the parent had exited or ignores SIGCHLD).</summary>
    Reaped,
}

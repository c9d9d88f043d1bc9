namespace Emulator.Core.Kernel;

/// <summary>Where a <see cref="GuestProcess"/> is in its life.</summary>
public enum GuestProcessState : byte
{
    /// <summary>In the run queue, waiting for a vCPU.</summary>
    Runnable,

    /// <summary>On a vCPU.</summary>
    Running,

    /// <summary>Blocked in wait4 until a child exits.</summary>
    Waiting,

    /// <summary>Exited; its status waits for the parent's wait4.</summary>
    Zombie,

    /// <summary>Exited and reaped (by the parent's wait4, or because the parent had exited).</summary>
    Reaped,
}

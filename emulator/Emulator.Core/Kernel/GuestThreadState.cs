namespace Emulator.Core.Kernel;

/// <summary>Where a <see cref="GuestThread"/> is in its life.</summary>
public enum GuestThreadState : byte
{
    /// <summary>In the run queue, waiting for a vCPU.</summary>
    Runnable,

    /// <summary>On a vCPU.</summary>
    Running,

    /// <summary>Asleep in a system call (futex, wait4, a pipe, nanosleep, sigsuspend...) until woken,
    /// its deadline passes or a signal interrupts it.</summary>
    Blocked,

    /// <summary>Its process is stopped (SIGSTOP, SIGTSTP, SIGTTIN, SIGTTOU): off the run queue until
    /// SIGCONT, its registers saved as for a thread waiting for a vCPU.</summary>
    Stopped,

    /// <summary>Gone: its registers are no longer meaningful.</summary>
    Exited,
}

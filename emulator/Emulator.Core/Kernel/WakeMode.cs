namespace Emulator.Core.Kernel;

/// <summary>How a thread asleep in a system call continues when it is woken.</summary>
internal enum WakeMode : byte
{
    /// <summary>The call runs again from the start (it re-checks its condition: a pipe read, wait4, poll).</summary>
    Restart,

    /// <summary>The waker (or the deadline) gives the call its result (a futex wait, nanosleep).</summary>
    Complete,
}

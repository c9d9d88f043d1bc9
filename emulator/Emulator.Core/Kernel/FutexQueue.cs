namespace Emulator.Core.Kernel;

/// <summary>The threads waiting on one futex word, in arrival order (FUTEX_WAKE wakes the oldest first,
/// which keeps runs deterministic).</summary>
internal sealed class FutexQueue : IWaitChannel
{
    public readonly List<GuestThread> Waiters = [];

    public void Remove(GuestThread thread) => Waiters.Remove(thread);
}

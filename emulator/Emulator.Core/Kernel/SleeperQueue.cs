namespace Emulator.Core.Kernel;

/// <summary>Threads sleeping until an event (a child exiting, a pipe becoming readable), woken in the
/// order they went to sleep, so a run's wake-ups are deterministic.</summary>
internal sealed class SleeperQueue : IWaitChannel
{
    private readonly List<GuestThread> _waiters = [];

    public int Count => _waiters.Count;

    public void Add(GuestThread thread) => _waiters.Add(thread);

    public void Remove(GuestThread thread) => _waiters.Remove(thread);

    /// <summary>Takes every waiter out, oldest first, into <paramref name="into"/>.</summary>
    public void TakeAll(List<GuestThread> into)
    {
        into.AddRange(_waiters);
        _waiters.Clear();
    }
}

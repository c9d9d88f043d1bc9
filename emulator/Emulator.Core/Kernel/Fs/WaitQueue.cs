namespace Emulator.Core.Kernel.Fs;

/// <summary>
/// Threads waiting for an object's state to change (a pipe gaining data or room, losing its last
/// reader or writer). The object calls <see cref="Wake"/> after every change; each armed waiter is
/// told once and must re-arm (by re-executing its system call) to hear the next change.
/// </summary>
/// <remarks>
/// <para>No lost wake-ups: a system call reads <see cref="Generation"/> (through <see cref="Prepare"/>)
/// <em>before</em> it checks the object's state, and the kernel arms with that token. A state change
/// always bumps the generation after it is made, so a change that lands between the check and the
/// arming makes <see cref="Arm"/> refuse, and the kernel re-executes the call at once instead of
/// sleeping. This is Linux's prepare_to_wait-then-check order with a counter in place of the task state.</para>
/// <para>Thread-safe.</para>
/// </remarks>
public sealed class WaitQueue
{
    /// <summary>Guards <see cref="_waiters"/> and the increments of <see cref="_generation"/>.</summary>
    private readonly Lock _lock = new();
    private readonly List<IWaitQueueWaiter> _waiters = [];
    private long _generation;

    /// <summary>Bumped by every <see cref="Wake"/>.</summary>
    public long Generation => Volatile.Read(ref _generation);

    /// <summary>Waiters currently armed (for tests and diagnostics).</summary>
    public int Count
    {
        get
        {
            using (_lock.EnterScope())
            {
                return _waiters.Count;
            }
        }
    }

    /// <summary>A token for this queue at its current generation; take it before checking readiness.</summary>
    public WaitToken Prepare() => new(this, Generation);

    /// <summary>Parks <paramref name="waiter"/> unless the queue was woken since <paramref name="generation"/>.</summary>
    /// <returns>False when a wake already happened: the caller must not sleep (re-execute the call).</returns>
    public bool Arm(IWaitQueueWaiter waiter, long generation)
    {
        ArgumentNullException.ThrowIfNull(waiter);
        using (_lock.EnterScope())
        {
            if (_generation != generation)
            {
                return false;
            }
            if (!_waiters.Contains(waiter))
            {
                _waiters.Add(waiter);
            }
            return true;
        }
    }

    /// <summary>Removes <paramref name="waiter"/> (it woke for another reason: another queue, its
    /// deadline, a signal). Harmless if it is not armed.</summary>
    public void Disarm(IWaitQueueWaiter waiter)
    {
        using (_lock.EnterScope())
        {
            _waiters.Remove(waiter);
        }
    }

    /// <summary>The object's state changed: bumps the generation and tells every armed waiter, once.</summary>
    public void Wake()
    {
        IWaitQueueWaiter[]? woken = null;
        using (_lock.EnterScope())
        {
            _generation++;
            if (_waiters.Count > 0)
            {
                woken = [.. _waiters];
                _waiters.Clear();
            }
        }
        if (woken is null)
        {
            return;
        }
        foreach (var w in woken)
        {
            w.Woken(this);
        }
    }
}

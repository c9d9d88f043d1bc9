using System.Diagnostics;

namespace Emulator.Core.Threading;

/// <summary>
/// A monitor lock with a place in the global lock order (<see cref="LockRank"/>). Debug builds throw
/// <see cref="LockOrderException"/> when a thread acquires it while holding a lock of equal or higher
/// rank, so an ordering bug shows in the first test that exercises it rather than as a rare deadlock.
/// </summary>
/// <remarks>
/// Use as <c>using (x.Enter()) { ... }</c>. It is re-entrant like <see cref="Monitor"/>. It also
/// serves as a condition variable through <see cref="Wait"/> and <see cref="PulseAll"/>.
/// Release builds keep only the monitor; the ordering checks compile away.
/// </remarks>
public sealed class OrderedLock
{
    private readonly object _monitor = new();

#if DEBUG
    [ThreadStatic] private static List<OrderedLock>? t_held;
#endif

    public OrderedLock(LockRank rank, string name)
    {
        Rank = rank;
        Name = name;
    }

    public LockRank Rank { get; }
    public string Name { get; }

    /// <summary>True when the current thread holds this lock.</summary>
    public bool IsHeldByCurrentThread => Monitor.IsEntered(_monitor);

    /// <summary>Acquires the lock; dispose the result to release it.</summary>
    public Scope Enter()
    {
        CheckOrder();
        Monitor.Enter(_monitor);
        Track(+1);
        return new Scope(this);
    }

    /// <summary>
    /// Acquires this lock while holding <paramref name="outer"/> of the same rank (Linux
    /// <c>mmap_write_lock_nested</c>: fork holds the parent's and the child's mmap locks). The
    /// caller guarantees no other thread nests the two the other way round — here the inner lock
    /// belongs to an object no other thread can reach yet.
    /// </summary>
    public Scope EnterNested(OrderedLock outer)
    {
        outer.AssertHeld();
        if (outer.Rank != Rank)
        {
            throw new LockOrderException($"EnterNested needs locks of one rank: {outer.Name} ({outer.Rank}), {Name} ({Rank})");
        }
        Monitor.Enter(_monitor);
        Track(+1);
        return new Scope(this);
    }

    /// <summary>Releases the lock; prefer disposing the scope returned by <see cref="Enter"/>.</summary>
    public void Exit()
    {
        Track(-1);
        Monitor.Exit(_monitor);
    }

    /// <summary>Waits on the lock's condition; the lock must be held (re-acquired before returning).</summary>
    public void Wait()
    {
        AssertHeld();
        Monitor.Wait(_monitor);
    }

    /// <summary>Wakes every thread waiting on the lock's condition; the lock must be held.</summary>
    public void PulseAll()
    {
        AssertHeld();
        Monitor.PulseAll(_monitor);
    }

    /// <summary>Debug check that the current thread holds the lock (lockdep_assert_held).</summary>
    [Conditional("DEBUG")]
    public void AssertHeld()
    {
        if (!Monitor.IsEntered(_monitor))
        {
            throw new LockOrderException($"{Name} must be held here");
        }
    }

    /// <summary>Debug check that the current thread does not hold the lock.</summary>
    [Conditional("DEBUG")]
    public void AssertNotHeld()
    {
        if (Monitor.IsEntered(_monitor))
        {
            throw new LockOrderException($"{Name} must not be held here");
        }
    }

    [Conditional("DEBUG")]
    private void CheckOrder()
    {
#if DEBUG
        if (Monitor.IsEntered(_monitor) || t_held is null)
        {
            return;
        }
        foreach (var l in t_held)
        {
            if (l.Rank >= Rank)
            {
                throw new LockOrderException(
                    $"lock order violation: acquiring {Name} ({Rank}) while holding {l.Name} ({l.Rank})");
            }
        }
#endif
    }

    [Conditional("DEBUG")]
    private void Track(int delta)
    {
#if DEBUG
        t_held ??= new List<OrderedLock>(4);
        if (delta > 0)
        {
            t_held.Add(this);
        }
        else
        {
            t_held.RemoveAt(t_held.LastIndexOf(this));
        }
#endif
    }

    /// <summary>Holds the lock until disposed.</summary>
    public readonly struct Scope : IDisposable
    {
        private readonly OrderedLock _lock;
        internal Scope(OrderedLock l) => _lock = l;
        public void Dispose() => _lock.Exit();
    }
}

using System.Diagnostics;

namespace Emulator.Core.Threading;

/// <summary>
/// Sleepable read-copy-update: readers never block writers, and a writer can wait for every reader
/// that might still see an old version of the data (a grace period) before freeing it.
/// </summary>
/// <remarks>
/// Modelled on Linux SRCU as mm/mmu_notifier.c uses it: invalidation callbacks run inside
/// <see cref="ReadLock"/>/<see cref="ReadUnlock"/>; <c>mmu_notifier_unregister</c> calls
/// <see cref="Synchronize"/> so that no callback is still running on the subscription when it
/// returns; <c>mmu_notifier_put</c> defers the free with <see cref="CallAfterGracePeriod"/>.
///
/// Readers increment the counter of the current epoch. <see cref="Synchronize"/> flips the epoch and
/// waits for the old epoch's counter to drain. With sequentially consistent interlocked operations a
/// reader that incremented after the writer saw the old counter at zero necessarily reads the list
/// after the writer's removal, so it cannot see the removed element.
///
/// Rules: a reader may block (that is the S in SRCU) but must not call <see cref="Synchronize"/> on
/// any domain (it would wait for itself); debug builds throw when it does.
/// </remarks>
public sealed class Srcu
{
    [ThreadStatic] private static int t_readDepth;

    private readonly long[] _readers = new long[2 * 16]; // two counters, one cache line apart
    private int _epoch;

    /// <summary>Serialises grace periods and guards <see cref="_callbacks"/>, <see cref="_workerRunning"/>.</summary>
    private readonly OrderedLock _lock = new(LockRank.Srcu, "srcu");
    private readonly Queue<Action> _callbacks = new();
    private bool _workerRunning;
    private Exception? _failure;

    /// <summary>Enters a read section; pass the returned index to <see cref="ReadUnlock"/>.</summary>
    public int ReadLock()
    {
        int idx = Volatile.Read(ref _epoch) & 1;
        Interlocked.Increment(ref _readers[idx * 16]);
        t_readDepth++;
        return idx;
    }

    /// <summary>Leaves a read section.</summary>
    public void ReadUnlock(int idx)
    {
        t_readDepth--;
        Interlocked.Decrement(ref _readers[idx * 16]);
    }

    /// <summary>Waits until every read section that began before this call has ended.</summary>
    /// <exception cref="LockOrderException">Called inside a read section (debug builds; it would deadlock).</exception>
    public void Synchronize()
    {
#if DEBUG
        if (t_readDepth > 0)
        {
            throw new LockOrderException("synchronize_srcu called inside an SRCU read section (self-deadlock)");
        }
#endif
        using (_lock.Enter())
        {
            // Two flips, as Linux SRCU does: readers that sampled the epoch just before the first flip
            // and incremented the counter just after it are waited for by the second.
            for (int flip = 0; flip < 2; flip++)
            {
                int old = Volatile.Read(ref _epoch) & 1;
                Interlocked.Exchange(ref _epoch, old ^ 1);
                var spin = new SpinWait();
                while (Interlocked.Read(ref _readers[old * 16]) != 0)
                {
                    spin.SpinOnce(sleep1Threshold: 30);
                }
            }
        }
    }

    /// <summary>Runs <paramref name="callback"/> on a worker thread after a grace period (call_srcu).
    /// Safe to call from inside a read section.</summary>
    public void CallAfterGracePeriod(Action callback)
    {
        bool start;
        using (_lock.Enter())
        {
            _callbacks.Enqueue(callback);
            start = !_workerRunning;
            _workerRunning = true;
        }
        if (start)
        {
            ThreadPool.UnsafeQueueUserWorkItem(static s => ((Srcu)s!).RunCallbacks(), this);
        }
    }

    /// <summary>Waits until every callback queued before this call has run (srcu_barrier).</summary>
    /// <exception cref="InvalidOperationException">A callback threw (an emulator bug); the first failure is reported once.</exception>
    public void Barrier()
    {
        Debug.Assert(t_readDepth == 0, "srcu_barrier inside a read section");
        using (_lock.Enter())
        {
            while (_workerRunning)
            {
                _lock.Wait();
            }
            if (_failure is { } e)
            {
                _failure = null;
                throw new InvalidOperationException("a deferred SRCU callback failed", e);
            }
        }
    }

    private void RunCallbacks()
    {
        while (true)
        {
            Action[] batch;
            using (_lock.Enter())
            {
                if (_callbacks.Count == 0)
                {
                    _workerRunning = false;
                    _lock.PulseAll();
                    return;
                }
                batch = _callbacks.ToArray();
                _callbacks.Clear();
            }
            Synchronize();
            foreach (var cb in batch)
            {
                try
                {
                    cb();
                }
                catch (Exception e)
                {
                    // A deferred free that throws is an emulator bug; on a pool thread it would take
                    // the process down. Keep it, log it, and rethrow it from Barrier().
                    Diagnostics.Log.For("srcu").Error(e, "deferred SRCU callback failed");
                    using (_lock.Enter())
                    {
                        _failure ??= e;
                    }
                }
            }
        }
    }
}

using System.Diagnostics;
using Emulator.Core.Threading;

namespace Emulator.Core.Notifiers;

public sealed partial class MmuNotifierSubscriptions
{
    /// <summary>The intervals. Modified only under <see cref="_lock"/> and only while not invalidating;
    /// walked without the lock by invalidations (which is why modifications are deferred).</summary>
    private readonly IntervalTree<MmuIntervalNotifier> _itree = new();

    /// <summary>Operations waiting for the running invalidations to end. Guarded by <see cref="_lock"/>.</summary>
    private readonly List<MmuIntervalNotifier> _deferred = [];

    /// <summary>Even when idle, odd while an invalidation overlapping some interval runs. Guarded by <see cref="_lock"/>; read unlocked by waiters.</summary>
    private ulong _invalidateSeq = 2;

    /// <summary>Number of range invalidations between start and end. Guarded by <see cref="_lock"/>.</summary>
    private int _activeInvalidateRanges;

    /// <summary>Threads blocked in ReadBegin or Remove. Guarded by <see cref="_lock"/>; lets the end of an
    /// invalidation skip the wake-up when nobody waits (the common case).</summary>
    private int _waiters;

    /// <summary>Set once, on the first insert, with the mmap lock held (so never while an invalidation runs).</summary>
    private bool _hasItree;

    /// <summary>The mm-wide invalidate_seq (for tests and diagnostics).</summary>
    public ulong InvalidateSeq
    {
        get
        {
            using (_lock.Enter())
            {
                return _invalidateSeq;
            }
        }
    }

    /// <summary>Number of intervals in the tree (deferred inserts not yet counted).</summary>
    public int IntervalCount
    {
        get
        {
            using (_lock.Enter())
            {
                return _itree.Count;
            }
        }
    }

    private bool IsInvalidatingLocked => (_invalidateSeq & 1) != 0;

    /// <summary>
    /// Subscribes <paramref name="subscription"/> to [start, start + length) of <paramref name="mm"/>
    /// (Linux <c>mmu_interval_notifier_insert</c>). During an invalidation the insert is deferred
    /// until it ends and the subscription starts with the running (odd) seq, so that a
    /// <see cref="ReadBegin"/> waits and a read begun before sees <see cref="ReadRetry"/>.
    /// May be called from an invalidate callback.
    /// </summary>
    /// <returns><see cref="Errno.EINVAL"/> for an empty range, <see cref="Errno.EOVERFLOW"/> when it
    /// wraps, <see cref="Errno.ESRCH"/> when the mm is exiting.</returns>
    public static Errno Insert(MmuIntervalNotifier subscription, IMmuNotifierMm mm, ulong start, ulong length)
    {
        if (length == 0)
        {
            return Errno.EINVAL;
        }
        if (start > ulong.MaxValue - (length - 1))
        {
            return Errno.EOVERFLOW;
        }
        ulong last = start + (length - 1);
        var self = mm.Notifiers;
        if (!Volatile.Read(ref self._hasItree))
        {
            // First interval: flip has_itree with the mmap lock so no invalidation is half way
            // through (it would otherwise see an itree end without the start).
            using (mm.MmapLock.Enter())
            {
                if (!mm.IsLive)
                {
                    return Errno.ESRCH;
                }
                Volatile.Write(ref self._hasItree, true);
            }
        }
        using (self._lock.Enter())
        {
            if (subscription.Subscriptions is not null)
            {
                throw new InvalidOperationException("interval notifier inserted twice");
            }
            subscription.Subscriptions = self;
            if (self._activeInvalidateRanges > 0)
            {
                if (self.IsInvalidatingLocked)
                {
                    subscription.Deferred = MmuIntervalNotifier.DeferredOp.Insert;
                    subscription.PendingStart = start;
                    subscription.PendingLast = last;
                    self._deferred.Add(subscription);
                }
                else
                {
                    // Invalidations are running but none is walking the tree: insert now, and make
                    // the seq odd so readers of the new interval wait for them to end.
                    self._invalidateSeq |= 1;
                    self.TreeInsertLocked(subscription, start, last);
                }
                subscription.InitSeq(self._invalidateSeq);
            }
            else
            {
                Debug.Assert(!self.IsInvalidatingLocked);
                subscription.InitSeq(self._invalidateSeq - 1);
                self.TreeInsertLocked(subscription, start, last);
            }
        }
        return Errno.Ok;
    }

    /// <summary>
    /// Unsubscribes (Linux <c>mmu_interval_notifier_remove</c>). If an invalidation is running the
    /// removal is deferred and this waits until it ends, so that when it returns no callback is
    /// running or will run on the subscription.
    /// </summary>
    /// <exception cref="LockOrderException">Called from an invalidate callback while it would have to wait (it would wait for itself).</exception>
    public static void Remove(MmuIntervalNotifier subscription)
    {
        var self = subscription.Subscriptions ?? throw new InvalidOperationException("remove of an interval notifier that is not inserted");
        ulong waitSeq = 0;
        using (self._lock.Enter())
        {
            if (self.IsInvalidatingLocked)
            {
                if (subscription.Node is null)
                {
                    // Its insert is still pending: cancel it; nothing ever saw it.
                    self._deferred.Remove(subscription);
                    subscription.Deferred = MmuIntervalNotifier.DeferredOp.None;
                    subscription.Subscriptions = null;
                    return;
                }
                if (subscription.Deferred == MmuIntervalNotifier.DeferredOp.None)
                {
                    self._deferred.Add(subscription);
                }
                subscription.Deferred = MmuIntervalNotifier.DeferredOp.Remove;
                waitSeq = self._invalidateSeq;
            }
            else
            {
                self.TreeRemoveLocked(subscription);
                subscription.Subscriptions = null;
                return;
            }
        }
        if (t_callbackDepth > 0)
        {
            throw new LockOrderException("mmu_interval_notifier_remove from an invalidate callback would wait for itself");
        }
        using (self._lock.Enter())
        {
            self._waiters++;
            while (self._invalidateSeq == waitSeq)
            {
                self._lock.Wait();
            }
            self._waiters--;
        }
    }

    /// <summary>
    /// Moves a subscription to [start, last] (the update of Ralph Campbell's series). Deferred, like
    /// inserts and removals, while an invalidation runs; <see cref="Find(IMmuIntervalNotifierOps, ulong, ulong, out ulong, out ulong)"/> already reports the new bounds.
    /// </summary>
    public static Errno Update(MmuIntervalNotifier subscription, ulong start, ulong last)
    {
        if (last < start)
        {
            return Errno.EINVAL;
        }
        var self = subscription.Subscriptions ?? throw new InvalidOperationException("update of an interval notifier that is not inserted");
        using (self._lock.Enter())
        {
            if (subscription.Deferred == MmuIntervalNotifier.DeferredOp.Remove)
            {
                return Errno.EINVAL; // its owner is removing it
            }
            if (self.IsInvalidatingLocked)
            {
                if (subscription.Deferred == MmuIntervalNotifier.DeferredOp.None)
                {
                    subscription.Deferred = MmuIntervalNotifier.DeferredOp.Update;
                    self._deferred.Add(subscription);
                }
                subscription.PendingStart = start;
                subscription.PendingLast = last;
            }
            else
            {
                self.TreeRemoveLocked(subscription);
                self.TreeInsertLocked(subscription, start, last);
            }
        }
        return Errno.Ok;
    }

    /// <summary>
    /// Begins a read-side critical section (Linux <c>mmu_interval_read_begin</c>): waits while an
    /// invalidation that touched the subscription is running, then returns the sequence to pass to
    /// <see cref="ReadRetry"/>.
    /// </summary>
    public static ulong ReadBegin(MmuIntervalNotifier subscription)
    {
        var self = subscription.Subscriptions ?? throw new InvalidOperationException("read_begin on an interval notifier that is not inserted");
        using (self._lock.Enter())
        {
            ulong seq = subscription.InvalidateSeq;
            // seq equals the mm's only while an invalidation that covers this interval is running
            // (or it was inserted during one); wait for it to end.
            if (seq == self._invalidateSeq && t_callbackDepth > 0)
            {
                throw new LockOrderException("mmu_interval_read_begin from an invalidate callback would wait for itself");
            }
            self._waiters++;
            while (seq == self._invalidateSeq)
            {
                self._lock.Wait();
            }
            self._waiters--;
            return seq;
        }
    }

    /// <summary>
    /// True if an invalidation touched the subscription since <see cref="ReadBegin"/> returned
    /// <paramref name="seq"/> (Linux <c>mmu_interval_read_retry</c>). Call it under the driver lock
    /// that the invalidate callback takes around <see cref="MmuIntervalNotifier.SetSeq"/>.
    /// </summary>
    public static bool ReadRetry(MmuIntervalNotifier subscription, ulong seq) => subscription.InvalidateSeq != seq;

    /// <summary>
    /// Finds an interval subscription of <paramref name="ops"/> overlapping [start, last], in program
    /// order with the deferred operations (see the class remarks): pending removals are never
    /// returned, pending inserts are, pending updates are matched and reported with their new bounds.
    /// Of several matches, the one with the lowest start is returned. Never waits.
    /// </summary>
    public MmuIntervalNotifier? Find(IMmuIntervalNotifierOps ops, ulong start, ulong last, out ulong foundStart, out ulong foundLast)
    {
        MmuIntervalNotifier? best = null;
        ulong bestStart = 0, bestLast = 0;
        using (_lock.Enter())
        {
            for (var node = _itree.First(start, last); node is not null; node = _itree.Next(node, start, last))
            {
                var sub = node.Value;
                if (sub.Ops == ops && sub.Deferred == MmuIntervalNotifier.DeferredOp.None)
                {
                    // In-order walk: the first plain match has the lowest start in the tree.
                    best = sub;
                    bestStart = node.Start;
                    bestLast = node.Last;
                    break;
                }
            }
            foreach (var sub in _deferred)
            {
                if (sub.Ops != ops || sub.Deferred == MmuIntervalNotifier.DeferredOp.Remove)
                {
                    continue;
                }
                if (sub.PendingStart <= last && start <= sub.PendingLast && (best is null || sub.PendingStart < bestStart))
                {
                    best = sub;
                    bestStart = sub.PendingStart;
                    bestLast = sub.PendingLast;
                }
            }
        }
        foundStart = bestStart;
        foundLast = bestLast;
        return best;
    }

    /// <summary>Linux-shaped <c>mmu_interval_notifier_find(mm, ops, start, last)</c>; see the instance <see cref="Find(IMmuIntervalNotifierOps, ulong, ulong, out ulong, out ulong)"/>.</summary>
    public static MmuIntervalNotifier? Find(IMmuNotifierMm mm, IMmuIntervalNotifierOps ops, ulong start, ulong last, out ulong foundStart, out ulong foundLast) =>
        mm.Notifiers.Find(ops, start, last, out foundStart, out foundLast);

    /// <summary>Inclusive bounds of a subscription as Find would report them.</summary>
    public static (ulong Start, ulong Last) Bounds(MmuIntervalNotifier subscription)
    {
        var self = subscription.Subscriptions;
        if (self is null)
        {
            return (subscription.Start, subscription.Last);
        }
        using (self._lock.Enter())
        {
            return subscription.EffectiveBounds;
        }
    }

    private void TreeInsertLocked(MmuIntervalNotifier sub, ulong start, ulong last)
    {
        sub.Start = start;
        sub.Last = last;
        sub.Node = _itree.Insert(start, last, sub);
    }

    private void TreeRemoveLocked(MmuIntervalNotifier sub)
    {
        if (sub.Node is not null)
        {
            _itree.Remove(sub.Node);
            sub.Node = null;
        }
    }

    /// <summary>mn_itree_invalidate: starts the range, calls every overlapping interval.</summary>
    private Errno ItreeInvalidate(in MmuNotifierRange range)
    {
        ulong curSeq;
        IntervalTreeBlock<MmuIntervalNotifier>? leaf;
        int index;
        ulong first = range.Start, last = range.End - 1;
        using (_lock.Enter())
        {
            _activeInvalidateRanges++;
            if (!_itree.TryFirst(first, last, out leaf, out index))
            {
                return Errno.Ok;
            }
            _invalidateSeq |= 1;
            curSeq = _invalidateSeq;
        }
        // The tree cannot change until the matching end: modifications are deferred while odd. The walk
        // reads values from the leaves, never loading the tree's node handles.
        do
        {
            var sub = leaf.Value(index);
            t_callbackDepth++;
            bool ok;
            try
            {
                ok = sub.Ops.Invalidate(sub, range, curSeq);
            }
            finally
            {
                t_callbackDepth--;
            }
            if (!ok)
            {
                if (range.IsBlockable)
                {
                    throw new InvalidOperationException($"interval notifier answered 'try again' for blockable {range}");
                }
                ItreeInvalidateEnd();
                return Errno.EAGAIN;
            }
        }
        while (IntervalTree<MmuIntervalNotifier>.TryNext(ref leaf, ref index, first, last));
        return Errno.Ok;
    }

    /// <summary>mn_itree_inv_end: the last running invalidation makes the seq even and applies the deferred list.</summary>
    private void ItreeInvalidateEnd()
    {
        using (_lock.Enter())
        {
            _activeInvalidateRanges--;
            Debug.Assert(_activeInvalidateRanges >= 0, "invalidate_range_end without start");
            if (_activeInvalidateRanges > 0 || !IsInvalidatingLocked)
            {
                return;
            }
            _invalidateSeq++;
            foreach (var sub in _deferred)
            {
                switch (sub.Deferred)
                {
                    case MmuIntervalNotifier.DeferredOp.Insert:
                        TreeInsertLocked(sub, sub.PendingStart, sub.PendingLast);
                        break;
                    case MmuIntervalNotifier.DeferredOp.Remove:
                        TreeRemoveLocked(sub);
                        sub.Subscriptions = null;
                        break;
                    case MmuIntervalNotifier.DeferredOp.Update:
                        TreeRemoveLocked(sub);
                        TreeInsertLocked(sub, sub.PendingStart, sub.PendingLast);
                        break;
                }
                sub.Deferred = MmuIntervalNotifier.DeferredOp.None;
            }
            _deferred.Clear();
            if (_waiters > 0)
            {
                _lock.PulseAll();
            }
        }
    }
}

using System.Diagnostics;
using Emulator.Core.Threading;

namespace Emulator.Core.Notifiers;

/// <summary>
/// The MMU-notifier state of one mm (Linux <c>struct mmu_notifier_subscriptions</c>): the list of
/// <see cref="MmuNotifier"/> subscriptions and the interval tree of <see cref="MmuIntervalNotifier"/>s,
/// with the dispatch of every invalidation the mm announces.
/// </summary>
/// <remarks>
/// <para><b>The list</b> is copy-on-write and published with a release store: invalidations read a
/// snapshot inside an SRCU read section and never take a lock, as Linux walks its hlist under SRCU.
/// Writers (register, put, unregister, release) take <see cref="_lock"/>. A removed subscription is
/// freed (<see cref="MmuNotifierOps.FreeNotifier"/>) only after a grace period, so no callback can
/// be running on it; <see cref="Unregister"/> returns only after one.</para>
///
/// <para><b>The interval tree</b> follows Linux's <c>invalidate_seq</c> protocol. The mm's
/// <c>invalidate_seq</c> is even when idle and odd while an invalidation that overlaps some interval
/// is running; <c>active</c> counts running invalidations. While odd, the tree is not modified:
/// inserts, removals and updates go on a deferred list, applied when the last invalidation ends and
/// the seq becomes even again. That is what makes the tree safe to walk without the lock and "the
/// algorithm deterministic". A driver reads with:</para>
/// <code>
///   driver thread (fault/DMA setup)          mm thread (munmap)
///   seq = ReadBegin(sub)   // waits if odd
///   ... look up the page tables ...          InvalidateRangeStart: mm seq |= 1 (odd) = cur
///                                            Invalidate(sub, range, cur):
///                                              lock(driver); SetSeq(sub, cur); unlock
///   lock(driver)
///   if ReadRetry(sub, seq): unlock; retry    // sub seq changed: collision seen
///   else: program the device; unlock
///                                            InvalidateRangeEnd: mm seq++ (even), apply deferred,
///                                            wake ReadBegin/Remove waiters
/// </code>
/// <para><b>Find</b> (<see cref="Find(IMmuIntervalNotifierOps, ulong, ulong, out ulong, out ulong)"/>) answers as if every deferred operation had already been
/// applied, i.e. in the caller's program order (the semantics Jason Gunthorpe asked for in
/// linux-threads 003): an interval whose removal is pending is never returned (its owner already
/// called Remove and may free it as soon as Remove returns), an interval whose insertion is pending is
/// returned, and an update that is pending is reported with its new bounds. Find never waits for the
/// invalidation to end, so it may be called from within an invalidate callback.</para>
///
/// <para><b>Locks</b>: the mmap lock (held by the mm around every invalidation, and by
/// <see cref="Get"/>/<see cref="Register"/>) is ranked before <see cref="_lock"/>. Callbacks run
/// with the mmap lock held (except <see cref="MmuNotifierOps.Release"/>) and never with
/// <see cref="_lock"/> held.</para>
/// </remarks>
public sealed partial class MmuNotifierSubscriptions
{
    [ThreadStatic] private static int t_callbackDepth;

    private readonly IMmuNotifierMm _mm;
    private readonly Srcu _srcu = new();

    /// <summary>
    /// Guards list writes (<see cref="_list"/> replacement, <see cref="MmuNotifier.Users"/>,
    /// <see cref="MmuNotifier.OnList"/>), the interval tree, the deferred list,
    /// <see cref="_activeInvalidateRanges"/> and <see cref="_invalidateSeq"/>. Also the condition
    /// variable that ReadBegin and Remove wait on. Taken after the mmap lock, never before it; no
    /// callback runs while it is held.
    /// </summary>
    private readonly OrderedLock _lock = new(LockRank.NotifierSubscriptions, "mmu_notifier_subscriptions.lock");

    private MmuNotifier[] _list = [];

    public MmuNotifierSubscriptions(IMmuNotifierMm mm) => _mm = mm;

    /// <summary>The mm these subscriptions belong to.</summary>
    public IMmuNotifierMm Mm => _mm;

    /// <summary>Number of subscriptions on the list.</summary>
    public int Count => Volatile.Read(ref _list).Length;

    /// <summary>True when nothing is subscribed: the mm can skip building ranges.</summary>
    public bool IsEmpty => Volatile.Read(ref _list).Length == 0 && !Volatile.Read(ref _hasItree);

    /// <summary>
    /// Publishes an initialised subscription on <paramref name="mm"/> (Linux
    /// <c>mmu_notifier_register</c>). Takes the mmap lock.
    /// </summary>
    /// <returns><see cref="Errno.ESRCH"/> when the mm is exiting.</returns>
    /// <exception cref="InvalidOperationException">The subscription is already registered.</exception>
    public static Errno Register(MmuNotifier subscription, IMmuNotifierMm mm)
    {
        using (mm.MmapLock.Enter())
        {
            return mm.Notifiers.RegisterLocked(subscription);
        }
    }

    /// <summary>
    /// Returns the subscription of <paramref name="ops"/> on <paramref name="mm"/>, taking a reference,
    /// or creates it with <see cref="MmuNotifierOps.AllocNotifier"/> — fully initialised from
    /// <paramref name="priv"/> before any invalidation can see it — and publishes it (Linux
    /// <c>mmu_notifier_get</c>). An existing subscription is returned as is: <paramref name="priv"/>
    /// is used only on creation. Takes the mmap lock.
    /// </summary>
    /// <returns><see cref="Errno.ESRCH"/> when the mm is exiting, <see cref="Errno.ENOMEM"/> when
    /// AllocNotifier failed, <see cref="Errno.EOVERFLOW"/> when the reference count would wrap.</returns>
    public static Errno Get(MmuNotifierOps ops, IMmuNotifierMm mm, object? priv, out MmuNotifier? subscription)
    {
        using (mm.MmapLock.Enter())
        {
            var self = mm.Notifiers;
            subscription = null;
            if (!mm.IsLive)
            {
                return Errno.ESRCH;
            }
            using (self._lock.Enter())
            {
                foreach (var s in self._list)
                {
                    if (s.Ops == ops)
                    {
                        if (s.Users == int.MaxValue)
                        {
                            return Errno.EOVERFLOW;
                        }
                        s.Users++;
                        subscription = s;
                        return Errno.Ok;
                    }
                }
            }
            var created = ops.AllocNotifier(mm, priv);
            if (created is null)
            {
                return Errno.ENOMEM;
            }
            if (created.Ops != ops)
            {
                throw new InvalidOperationException("AllocNotifier returned a subscription of other ops");
            }
            var err = self.RegisterLocked(created);
            if (err == Errno.Ok)
            {
                subscription = created;
            }
            return err;
        }
    }

    /// <summary>
    /// Drops a reference taken by <see cref="Get"/>; the last one unpublishes the subscription and
    /// frees it after a grace period (Linux <c>mmu_notifier_put</c>). Does not call Release and does
    /// not block, so it may be called from a callback.
    /// </summary>
    public static void Put(MmuNotifier subscription)
    {
        var self = subscription.Mm?.Notifiers ?? throw new InvalidOperationException("put of an unregistered subscription");
        using (self._lock.Enter())
        {
            if (subscription.Users <= 0)
            {
                throw new InvalidOperationException("put without a matching get");
            }
            if (--subscription.Users > 0)
            {
                return;
            }
            self.RemoveFromListLocked(subscription);
        }
        self._srcu.CallAfterGracePeriod(() =>
        {
            subscription.Ops.FreeNotifier(subscription);
            subscription.MarkFreed();
        });
    }

    /// <summary>
    /// Unpublishes a subscription registered with <see cref="Register"/> (Linux
    /// <c>mmu_notifier_unregister</c>). If the mm has not released it yet, its Release callback runs
    /// here — exactly once even when the mm's exit races with this call. Returns only when no callback
    /// can still be running on the subscription, so the caller may then free it.
    /// </summary>
    /// <exception cref="LockOrderException">Called from inside a notifier callback (debug builds).</exception>
    public static void Unregister(MmuNotifier subscription)
    {
        var mm = subscription.Mm ?? throw new InvalidOperationException("unregister of an unregistered subscription");
        var self = mm.Notifiers;
        if (t_callbackDepth > 0)
        {
            throw new LockOrderException("mmu_notifier_unregister called from a notifier callback would wait for itself");
        }
        if (subscription.TryBeginRelease())
        {
            int idx = self._srcu.ReadLock();
            try
            {
                var ops = self.Call(subscription);
                try
                {
                    ops.Release(subscription, mm);
                }
                finally
                {
                    t_callbackDepth--;
                }
            }
            finally
            {
                self._srcu.ReadUnlock(idx);
            }
        }
        using (self._lock.Enter())
        {
            self.RemoveFromListLocked(subscription);
            subscription.Users = 0;
        }
        // Waits for every callback that may have seen the subscription, including a concurrent
        // Release from the mm's exit that won the race above.
        self._srcu.Synchronize();
    }

    /// <summary>Waits until every deferred free has run (Linux <c>mmu_notifier_synchronize</c>).</summary>
    public void Synchronize() => _srcu.Barrier();

    private Errno RegisterLocked(MmuNotifier subscription)
    {
        _mm.MmapLock.AssertHeld();
        if (!_mm.IsLive)
        {
            return Errno.ESRCH;
        }
        using (_lock.Enter())
        {
            if (subscription.OnList || subscription.Mm is not null)
            {
                throw new InvalidOperationException("subscription registered twice");
            }
            subscription.Mm = _mm;
            subscription.Users = 1;
            subscription.OnList = true;
            var next = new MmuNotifier[_list.Length + 1];
            _list.CopyTo(next, 0);
            next[^1] = subscription;
            // Release store: a reader that sees the new array sees the subscription fully built.
            Volatile.Write(ref _list, next);
        }
        return Errno.Ok;
    }

    private void RemoveFromListLocked(MmuNotifier subscription)
    {
        _lock.AssertHeld();
        if (!subscription.OnList)
        {
            return;
        }
        subscription.OnList = false;
        var cur = _list;
        var next = new MmuNotifier[cur.Length - 1];
        int j = 0;
        foreach (var s in cur)
        {
            if (s != subscription)
            {
                next[j++] = s;
            }
        }
        Volatile.Write(ref _list, next);
    }

    /// <summary>Enters a callback on <paramref name="subscription"/>: counts the nesting and proves
    /// the subscription was not freed (a use after free is an emulator bug).</summary>
    private MmuNotifierOps Call(MmuNotifier subscription)
    {
        if (subscription.IsFreed)
        {
            throw new InvalidOperationException("MMU-notifier callback on a freed subscription (use after free)");
        }
        t_callbackDepth++;
        return subscription.Ops;
    }

    [Conditional("DEBUG")]
    private void AssertMmapLockHeld() => _mm.MmapLock.AssertHeld();
}

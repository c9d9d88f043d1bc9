namespace Emulator.Core.Notifiers;

/// <summary>
/// The callbacks of an MMU notifier (Linux <c>struct mmu_notifier_ops</c>). Every callback is
/// optional: the defaults do nothing. One ops instance is shared by every subscription of a driver,
/// and <see cref="MmuNotifierSubscriptions.Get"/> keys subscriptions by (ops, mm).
/// </summary>
/// <remarks>
/// Callbacks run inside an SRCU read section of the mm's subscriptions, so a subscription is not
/// freed while one runs. They must not call <c>Unregister</c> or <c>Synchronize</c> (that would wait
/// for themselves; debug builds throw).
/// </remarks>
public abstract class MmuNotifierOps
{
    /// <summary>
    /// The mm is exiting (or the subscription is being unregistered): stop using it. Called exactly
    /// once per subscription, even when exit and <c>Unregister</c> race. Called without the mmap
    /// lock; may block (the SVA driver waits here for the device to stop using the PASID). After it
    /// returns the page tables are torn down and no further invalidation reaches this subscription.
    /// </summary>
    public virtual void Release(MmuNotifier subscription, IMmuNotifierMm mm)
    {
    }

    /// <summary>Clear the young (accessed) state of [start, end) in the secondary MMU, flushing
    /// its TLB; return true if any page was young. Called with the mmap lock held.</summary>
    public virtual bool ClearFlushYoung(MmuNotifier subscription, IMmuNotifierMm mm, ulong start, ulong end) => false;

    /// <summary>As <see cref="ClearFlushYoung"/> without the flush.</summary>
    public virtual bool ClearYoung(MmuNotifier subscription, IMmuNotifierMm mm, ulong start, ulong end) => false;

    /// <summary>True if the page at <paramref name="address"/> is young in the secondary MMU.</summary>
    public virtual bool TestYoung(MmuNotifier subscription, IMmuNotifierMm mm, ulong address) => false;

    /// <summary>
    /// Translations in the range are about to change. Called with the mmap lock held, before the
    /// page-table entries change. When the range is not blockable the subscriber may answer
    /// <see cref="Errno.EAGAIN"/> ("try again") instead of blocking; the caller then abandons the
    /// operation and the subscriptions already started receive <see cref="InvalidateRangeEnd"/>.
    /// Answering EAGAIN for a blockable range is a bug.
    /// </summary>
    public virtual Errno InvalidateRangeStart(MmuNotifier subscription, in MmuNotifierRange range) => Errno.Ok;

    /// <summary>The change announced by <see cref="InvalidateRangeStart"/> is complete. Frames
    /// that were unmapped may be freed after this returns.</summary>
    public virtual void InvalidateRangeEnd(MmuNotifier subscription, in MmuNotifierRange range)
    {
    }

    /// <summary>
    /// Invalidate the secondary TLBs (IOTLB, device ATC) for [start, end) now, and return only when
    /// done. Called after the CPU TLBs were flushed and before any unmapped frame is freed (Linux
    /// <c>arch_invalidate_secondary_tlbs</c>).
    /// </summary>
    public virtual void ArchInvalidateSecondaryTlbs(MmuNotifier subscription, IMmuNotifierMm mm, ulong start, ulong end)
    {
    }

    /// <summary>
    /// Create a subscription for <see cref="MmuNotifierSubscriptions.Get"/>, fully initialised from
    /// <paramref name="priv"/>: it is published to invalidations the moment Get registers it, so it
    /// must need no further set-up (linux-threads 000). Return null for ENOMEM. Called with the mmap
    /// lock held. The default means the ops do not support Get.
    /// </summary>
    public virtual MmuNotifier? AllocNotifier(IMmuNotifierMm mm, object? priv) =>
        throw new NotSupportedException($"{GetType().Name} does not implement AllocNotifier; use Register");

    /// <summary>Free a subscription created by <see cref="AllocNotifier"/>. Called after a grace
    /// period, when no callback can still be running on it.</summary>
    public virtual void FreeNotifier(MmuNotifier subscription)
    {
    }
}

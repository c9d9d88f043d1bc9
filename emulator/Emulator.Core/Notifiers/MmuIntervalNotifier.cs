namespace Emulator.Core.Notifiers;

/// <summary>
/// A subscription to one interval [Start, Last] of an mm (Linux <c>struct mmu_interval_notifier</c>).
/// Only overlapping invalidations reach it, found through the mm's interval tree.
/// </summary>
/// <remarks>
/// <c>invalidate_seq</c> is always odd once set (inserted as <c>mm seq - 1</c> when idle, or as the
/// current odd seq during an invalidation; <see cref="SetSeq"/> stores the odd cur_seq). The mm's
/// seq is even when idle, so a subscription's seq equals the mm's only while an invalidation that
/// touched it is running. See <see cref="MmuNotifierSubscriptions"/> for the whole protocol.
/// Derive from it to carry driver state.
/// </remarks>
public class MmuIntervalNotifier
{
    private ulong _invalidateSeq;

    public MmuIntervalNotifier(IMmuIntervalNotifierOps ops) => Ops = ops;

    public IMmuIntervalNotifierOps Ops { get; }

    /// <summary>The subscriptions it is inserted in; null before insertion and after removal.</summary>
    public MmuNotifierSubscriptions? Subscriptions { get; internal set; }

    /// <summary>First address covered, as the interval tree currently holds it. Guarded by the subscriptions lock.</summary>
    internal ulong Start;
    /// <summary>Last address covered (inclusive). Guarded by the subscriptions lock.</summary>
    internal ulong Last;

    /// <summary>The interval-tree node while the interval is in the tree. Guarded by the subscriptions lock.</summary>
    internal IntervalTreeNode<MmuIntervalNotifier>? Node;

    /// <summary>The operation waiting on the deferred list, if any. Guarded by the subscriptions lock.</summary>
    internal DeferredOp Deferred;
    /// <summary>Bounds an insert or update will have once applied. Guarded by the subscriptions lock.</summary>
    internal ulong PendingStart, PendingLast;

    /// <summary>Inclusive bounds a reader should use: the pending ones when an insert or update is deferred.</summary>
    internal (ulong Start, ulong Last) EffectiveBounds =>
        Deferred is DeferredOp.Insert or DeferredOp.Update ? (PendingStart, PendingLast) : (Start, Last);

    /// <summary>The sequence number (for diagnostics and tests).</summary>
    public ulong InvalidateSeq => Volatile.Read(ref _invalidateSeq);

    /// <summary>
    /// Records <paramref name="curSeq"/> from within <see cref="IMmuIntervalNotifierOps.Invalidate"/>,
    /// under the driver lock that also guards the driver's <c>ReadRetry</c> check
    /// (Linux <c>mmu_interval_set_seq</c>).
    /// </summary>
    public static void SetSeq(MmuIntervalNotifier subscription, ulong curSeq) =>
        Volatile.Write(ref subscription._invalidateSeq, curSeq);

    internal void InitSeq(ulong seq) => Volatile.Write(ref _invalidateSeq, seq);

    internal enum DeferredOp : byte
    {
        None,
        Insert,
        Remove,
        Update,
    }
}

using Emulator.Core.Threading;

namespace Emulator.Core.Notifiers;

/// <summary>
/// What the notifier core needs of an address space (Linux <c>struct mm_struct</c>). The mm layer
/// implements it; the notifier layer never sees VMAs or page tables, which keeps the reference
/// one-way: the mm calls the notifiers, the notifiers only name the mm.
/// </summary>
public interface IMmuNotifierMm
{
    /// <summary>The mm's notifier subscriptions (<c>mm->notifier_subscriptions</c>).</summary>
    MmuNotifierSubscriptions Notifiers { get; }

    /// <summary>The mmap lock. Every page-table change, and so every invalidation, runs with it held;
    /// registration takes it so that a new subscription never sees an invalidate_range_end without
    /// the matching start (Linux takes all mm locks for the same reason).</summary>
    OrderedLock MmapLock { get; }

    /// <summary>True while the mm has users (<c>mm_users &gt; 0</c>): it has not begun to exit.
    /// Read with the mmap lock held.</summary>
    bool IsLive { get; }
}

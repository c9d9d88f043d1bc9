namespace Emulator.Core.Threading;

/// <summary>
/// The global lock order. A thread may only acquire a lock whose rank is greater than the rank of
/// every lock it already holds (re-entering a lock it holds is allowed). Debug builds check this on
/// every acquisition (<see cref="OrderedLock"/>).
/// </summary>
/// <remarks>
/// Data flows down the layers, and so do locks: a device driver's configuration lock is taken before
/// the mm's mmap lock (bind calls mmu_notifier_get, which takes mmap_lock, as in Linux), the mmap
/// lock before the per-mm notifier lock, the notifier lock before nothing else. Notifier callbacks
/// run with the mmap lock held but never with the notifier lock held, so a callback may take any lock
/// ranked above <see cref="MmapLock"/>.
/// </remarks>
public enum LockRank : int
{
    /// <summary>Driver configuration locks held around bind/unbind (later issues: SVA, SMMU driver).</summary>
    DriverConfig = 10,

    /// <summary>The mm's mmap lock: VMAs, page tables and every page-table change of one address space.</summary>
    MmapLock = 20,

    /// <summary>A shared anonymous memory object's page index (shared by the mms that map it).</summary>
    SharedObject = 30,

    /// <summary>Locks a notifier callback may take: driver state touched during invalidation.</summary>
    DriverInvalidate = 40,

    /// <summary>Per-mm MMU-notifier subscription state (list writers, interval tree, invalidate_seq).</summary>
    NotifierSubscriptions = 50,

    /// <summary>An SRCU domain's grace-period and callback-queue state.</summary>
    Srcu = 60,

    /// <summary>Leaf locks that call nothing while held.</summary>
    Leaf = 100,
}

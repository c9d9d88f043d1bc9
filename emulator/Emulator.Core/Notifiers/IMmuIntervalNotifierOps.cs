namespace Emulator.Core.Notifiers;

/// <summary>The callback of an interval notifier (Linux <c>struct mmu_interval_notifier_ops</c>).</summary>
public interface IMmuIntervalNotifierOps
{
    /// <summary>
    /// The range overlaps the subscription's interval and is about to change. The driver takes its
    /// own lock, calls <see cref="MmuIntervalNotifier.SetSeq"/> with <paramref name="curSeq"/> (so
    /// that concurrent readers see <see cref="MmuNotifierSubscriptions.ReadRetry"/> fire), tears down
    /// its mappings of the range and returns true. For a non-blockable range it may instead return
    /// false ("try again") without doing anything.
    /// </summary>
    bool Invalidate(MmuIntervalNotifier subscription, in MmuNotifierRange range, ulong curSeq);
}

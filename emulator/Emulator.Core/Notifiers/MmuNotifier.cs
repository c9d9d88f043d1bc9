namespace Emulator.Core.Notifiers;

/// <summary>
/// One subscription of a driver to one mm (Linux <c>struct mmu_notifier</c>). Drivers derive from it
/// to carry their own state, as Linux drivers embed the struct.
/// </summary>
public class MmuNotifier
{
    private int _releaseState;
    private int _freed;

    public MmuNotifier(MmuNotifierOps ops) => Ops = ops;

    /// <summary>The callbacks.</summary>
    public MmuNotifierOps Ops { get; }

    /// <summary>The mm this subscription is registered on, null before registration.</summary>
    public IMmuNotifierMm? Mm { get; internal set; }

    /// <summary>True once <see cref="MmuNotifierOps.Release"/> has started for this subscription.</summary>
    public bool IsReleased => Volatile.Read(ref _releaseState) != 0;

    /// <summary>True once <see cref="MmuNotifierOps.FreeNotifier"/> has run: any later callback on it
    /// would be a use after free, which the dispatcher reports as an emulator bug.</summary>
    public bool IsFreed => Volatile.Read(ref _freed) != 0;

    /// <summary>Get/Put reference count. Guarded by the subscriptions lock.</summary>
    internal int Users;

    /// <summary>True while on the mm's subscription list. Guarded by the subscriptions lock.</summary>
    internal bool OnList;

    /// <summary>Claims the one call of Release; exactly one caller ever gets true.</summary>
    internal bool TryBeginRelease() => Interlocked.CompareExchange(ref _releaseState, 1, 0) == 0;

    internal void MarkFreed() => Volatile.Write(ref _freed, 1);
}

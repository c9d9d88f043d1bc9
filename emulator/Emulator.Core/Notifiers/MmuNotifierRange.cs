namespace Emulator.Core.Notifiers;

/// <summary>An address range being invalidated (Linux <c>struct mmu_notifier_range</c>).</summary>
/// <remarks><see cref="Start"/> is inclusive, <see cref="End"/> exclusive; both page aligned.</remarks>
public readonly struct MmuNotifierRange
{
    public MmuNotifierRange(IMmuNotifierMm mm, ulong start, ulong end, MmuNotifierEvent @event,
        MmuNotifierRangeFlags flags = MmuNotifierRangeFlags.Blockable, object? owner = null)
    {
        Mm = mm;
        Start = start;
        End = end;
        Event = @event;
        Flags = flags;
        Owner = owner;
    }

    public IMmuNotifierMm Mm { get; }
    public ulong Start { get; }
    /// <summary>Exclusive end.</summary>
    public ulong End { get; }
    public MmuNotifierEvent Event { get; }
    public MmuNotifierRangeFlags Flags { get; }
    /// <summary>The driver that caused the invalidation (migration, exclusive access), so it can skip its own.</summary>
    public object? Owner { get; }

    /// <summary>True when callbacks may block (and so must not answer "try again").</summary>
    public bool IsBlockable => (Flags & MmuNotifierRangeFlags.Blockable) != 0;

    /// <summary>Inclusive last address.</summary>
    public ulong Last => End - 1;

    public override string ToString() => $"[{Start:x}, {End:x}) {Event}{(IsBlockable ? "" : " nonblock")}";
}

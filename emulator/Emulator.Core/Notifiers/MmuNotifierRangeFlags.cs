namespace Emulator.Core.Notifiers;

/// <summary>Flags of an invalidation range (Linux <c>MMU_NOTIFIER_RANGE_*</c>).</summary>
[Flags]
public enum MmuNotifierRangeFlags : byte
{
    None = 0,
    /// <summary>Callbacks may sleep; a subscriber must not answer "try again".</summary>
    Blockable = 1,
}

using Emulator.Core.Wire;

namespace Emulator.Board;

/// <summary>One difference between the board's ATC and the model's, found by lockstep after a SYNC.</summary>
/// <param name="Sid">The endpoint.</param>
/// <param name="Entry">The translation one side holds.</param>
/// <param name="OnBoardOnly">True: the board holds a translation the model does not — an invalidation
/// the board did not apply (the dangerous direction). False: the model holds one the board does not —
/// an eviction or a lost fill, harmless for coherence.</param>
public readonly record struct LockstepDivergence(uint Sid, AtcDumpEntry Entry, bool OnBoardOnly)
{
    public override string ToString() => OnBoardOnly
        ? $"sid {Sid:x}: the board still holds {Entry} (the model invalidated it)"
        : $"sid {Sid:x}: the model holds {Entry}, the board does not (evicted or never filled)";
}

namespace Emulator.Board;

/// <summary>The board backend's verdict on a run so far (<see cref="BoardAtcBackend.Verdict"/>).</summary>
public enum BoardVerdict : byte
{
    /// <summary>Nothing found: every invalidation completed, every dump read and equal where it matters.</summary>
    Passed,

    /// <summary>At least one finding about the board (exit 1).</summary>
    Finding,

    /// <summary>The board went away (or changed protocol) and could not be verified (exit 3).</summary>
    BoardGone,
}

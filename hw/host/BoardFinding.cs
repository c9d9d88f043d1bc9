namespace Emulator.Board;

/// <summary>One thing a board did that fails the run: a value the command maps to its exit code
/// (<see cref="BoardGone"/>: 3, the board could not be verified because it is gone; otherwise 1, a finding).</summary>
/// <param name="Kind">What happened.</param>
/// <param name="Board">The board's identity ("board 5354554200000001 at tcp 127.0.0.1:7700").</param>
/// <param name="Summary">One line: what, where (sid), how many.</param>
/// <param name="ModelView">What the model holds or expects.</param>
/// <param name="BoardView">What the board answered (or that it did not).</param>
/// <param name="BoardGone">The board is unreachable (or speaks another protocol) rather than wrong.</param>
public sealed record BoardFinding(BoardFindingKind Kind, string Board, string Summary, string ModelView, string BoardView, bool BoardGone)
{
    /// <summary>Three lines: the finding with the board's identity, then both views.</summary>
    public override string ToString() => $"{Board}: {Summary}\n  model: {ModelView}\n  board: {BoardView}";
}

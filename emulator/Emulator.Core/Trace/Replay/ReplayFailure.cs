using Emulator.Core.Text;

namespace Emulator.Core.Trace.Replay;

/// <summary>One unmet expectation of a replayed trace: a value, never an exception.</summary>
/// <param name="File">The trace's path as given to the replayer.</param>
/// <param name="Line">1-based line of the statement that failed (0 for a statement built in code).</param>
/// <param name="Message"><c>expected … got …</c>, without position.</param>
public readonly record struct ReplayFailure(string File, int Line, string Message)
{
    /// <summary><c>file:line: expected … got …</c>.</summary>
    public override string ToString() => $"{SafeText.Escape(File, int.MaxValue)}:{Line}: {SafeText.Escape(Message, int.MaxValue)}";
}

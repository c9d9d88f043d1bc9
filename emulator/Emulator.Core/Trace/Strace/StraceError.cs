namespace Emulator.Core.Trace.Strace;

/// <summary>A malformed strace line: a value, never an exception.</summary>
/// <param name="Line">1-based line in the log.</param>
/// <param name="Column">1-based column, in characters (a tab counts as one).</param>
/// <param name="Message">What is wrong, without position.</param>
public readonly record struct StraceError(int Line, int Column, string Message)
{
    /// <summary><c>file:line:col: message</c>.</summary>
    public string Format(string file) => $"{file}:{Line}:{Column}: {Message}";

    public override string ToString() => $"{Line}:{Column}: {Message}";
}

namespace Emulator.Core.Trace;

/// <summary>A malformed-input diagnostic: a value, never an exception.</summary>
/// <param name="File">The path as given to the parser.</param>
/// <param name="Line">1-based.</param>
/// <param name="Column">1-based, in characters; a tab counts as one.</param>
/// <param name="Message">What is wrong, without position.</param>
public readonly record struct TraceError(string File, int Line, int Column, string Message)
{
    /// <summary><c>file:line:col: message</c>.</summary>
    public override string ToString() => $"{File}:{Line}:{Column}: {Message}";
}

using Emulator.Core.Text;

namespace Emulator.Core.Trace;

/// <summary>A malformed-input diagnostic: a value, never an exception.</summary>
/// <param name="File">The path as given to the parser.</param>
/// <param name="Line">1-based.</param>
/// <param name="Column">1-based, in characters; a tab counts as one.</param>
/// <param name="Message">What is wrong, without position.</param>
public readonly record struct TraceError(string File, int Line, int Column, string Message)
{
    /// <summary><c>file:line:col: message</c>. The path is escaped too: a directory walk finds
    /// file names nobody typed.</summary>
    public override string ToString() => $"{SafeText.Escape(File, int.MaxValue)}:{Line}:{Column}: {Message}";
}

namespace Emulator.Core.Trace;

/// <summary>The outcome of <see cref="TraceParser.Parse(string, ReadOnlySpan{char})"/>: the statements
/// when the file is well formed, otherwise every error found (in file order).</summary>
public sealed class ParseResult
{
    internal ParseResult(IReadOnlyList<Statement> statements, IReadOnlyList<TraceError> errors)
    {
        Statements = errors.Count == 0 ? statements : [];
        Errors = errors;
    }

    /// <summary>Empty when <see cref="Success"/> is false: nothing from a malformed file is replayed.</summary>
    public IReadOnlyList<Statement> Statements { get; }

    public IReadOnlyList<TraceError> Errors { get; }

    public bool Success => Errors.Count == 0;
}

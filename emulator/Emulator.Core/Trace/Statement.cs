namespace Emulator.Core.Trace;

/// <summary>One statement of a v1 trace (docs/trace-format.md).</summary>
/// <remarks>Statements are immutable records with value equality; <see cref="Line"/> and
/// <see cref="Column"/> take part in it, so canonical text written by <see cref="TraceWriter"/>
/// (statement i on line i, column 1) parses back to an equal list.</remarks>
public abstract record Statement
{
    /// <summary>1-based line of the statement in its file; 0 for a statement built in code.</summary>
    public int Line { get; init; }

    /// <summary>1-based column of the statement's first token.</summary>
    public int Column { get; init; }
}

namespace Emulator.Core.Trace;

/// <summary>A statement that does something and may end with <c>=&gt; RESULT</c>.</summary>
public abstract record ActionStatement : Statement
{
    /// <summary>The expected outcome; <see cref="ExpectedResult.Ok"/> when the line has no <c>=&gt;</c>.</summary>
    public ExpectedResult Result { get; init; }
}

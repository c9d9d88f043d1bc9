namespace Emulator.Fuzz;

/// <summary>One parser (and what runs on what it accepts) under fuzzing.</summary>
/// <remarks>
/// <para><see cref="Run"/> must return for every input. An exception out of it is a crash — what
/// would reach the CLI's last-resort handler — and so is a <see cref="FuzzFindingException"/> the
/// target throws for a broken promise that is not an exception (an importer writing a trace its own
/// replay rejects, a message with a raw control character).</para>
/// <para>The returned signature says which path the input took (accepted, or the kind of error); an
/// input with a signature not seen before joins the corpus, a cheap stand-in for coverage feedback.</para>
/// </remarks>
public interface IFuzzTarget
{
    /// <summary>"trace", "strace", "elf", "yaml", "frames": the regression directory's name too.</summary>
    string Name { get; }

    /// <summary>Valid (or nearly valid) inputs to start from.</summary>
    IReadOnlyList<byte[]> Seeds { get; }

    /// <summary>Tokens worth inserting (keywords, magic numbers).</summary>
    IReadOnlyList<byte[]> Dictionary { get; }

    /// <summary>True for text formats: number and line mutations apply.</summary>
    bool IsText { get; }

    /// <summary>Largest input to try.</summary>
    int MaxInputLength { get; }

    /// <summary>Runs one input.</summary>
    /// <returns>The path it took, as a short signature.</returns>
    string Run(byte[] input);
}

namespace Emulator.Core.Trace.Strace;

/// <summary>The outcome of <see cref="StraceImporter.Import(ReadOnlySpan{char}, StraceImportOptions?)"/>: the trace's statements when every
/// line parsed, otherwise every malformed line (in log order) and no statements.</summary>
public sealed class StraceImportResult
{
    internal StraceImportResult(
        IReadOnlyList<Statement> statements,
        IReadOnlyList<StraceError> errors,
        IReadOnlyDictionary<string, int> skipped,
        IReadOnlyDictionary<string, int> approximations,
        int lines,
        int processes)
    {
        Statements = errors.Count == 0 ? statements : [];
        Errors = errors;
        Skipped = skipped;
        Approximations = approximations;
        Lines = lines;
        Processes = processes;
    }

    /// <summary>Canonical v1 statements (<see cref="TraceWriter.Write(IEnumerable{Statement})"/>);
    /// empty when <see cref="Success"/> is false: nothing from a malformed log is written.</summary>
    public IReadOnlyList<Statement> Statements { get; }

    public IReadOnlyList<StraceError> Errors { get; }

    /// <summary>Calls of syscalls the importer does not model (wait4, read, …), by name.</summary>
    public IReadOnlyDictionary<string, int> Skipped { get; }

    /// <summary>Calls written approximately or dropped, by <see cref="StraceApproximation"/> reason.</summary>
    public IReadOnlyDictionary<string, int> Approximations { get; }

    /// <summary>Lines read.</summary>
    public int Lines { get; }

    /// <summary>Trace processes declared (one per address space: a pid, and again after each execve).</summary>
    public int Processes { get; }

    public bool Success => Errors.Count == 0;
}

namespace Emulator.Core.Trace.Replay;

/// <summary>The outcome of replaying one trace with <see cref="TraceReplayer"/>.</summary>
public sealed class ReplayResult
{
    internal ReplayResult(string file, IReadOnlyList<ReplayFailure> failures, ReplayCounters counters, int statementsRun)
    {
        File = file;
        Failures = failures;
        Counters = counters;
        StatementsRun = statementsRun;
    }

    /// <summary>The trace's path as given to the replayer.</summary>
    public string File { get; }

    /// <summary>Every unmet expectation, in file order (the end-of-trace stale check last).</summary>
    public IReadOnlyList<ReplayFailure> Failures { get; }

    /// <summary>The counters after the last statement.</summary>
    public ReplayCounters Counters { get; }

    /// <summary>Statements executed (a replay stops early only when the emulator throws).</summary>
    public int StatementsRun { get; }

    public bool Passed => Failures.Count == 0;
}

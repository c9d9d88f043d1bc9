using Emulator.Core.Paging;

namespace Emulator.Core.Trace.Replay;

/// <summary>
/// Runs statements on a machine and writes them as a v1 trace (docs/trace-format.md) that replays to
/// the same results: the recording option of the API, used by <c>emulator boot --record FILE</c>.
/// </summary>
/// <remarks>
/// <para>Every statement goes through the same engine as a replay (<see cref="TraceReplayer.Step"/>),
/// numbered with the line it gets in the output, so a failure during recording names the line a replay
/// of the file will name.</para>
/// <para>What is written for an action is what it did, not what the caller hoped: <c>=&gt; error
/// NAME</c>, <c>=&gt; fault</c>, or nothing for success (a read keeps the pattern it matched). A read
/// whose bytes did not match, or an action that could not run, keeps the caller's expectation, so the
/// replay fails the same way the recorded run did — a recording of a bug reproduces the bug.
/// <see cref="Finish"/> ends the trace with <c>expect count NAME == N</c> for every counter, so a
/// replay that diverges anywhere (a different number of ATC invalidations, an extra stale access) fails.</para>
/// <para>The machine statement lists every v1 key, so the replay builds the same machine whatever its
/// defaults. Not thread-safe: one thread records one run.</para>
/// </remarks>
public sealed class TraceRecorder
{
    private readonly TextWriter _output;
    private readonly TraceReplayer _replayer;
    private readonly System.Text.StringBuilder _line = new();
    private int _lines;
    private ReplayResult? _result;

    /// <summary>Starts a recording: writes the comment lines, <c>trace 1</c> and the <c>machine</c> statement.</summary>
    /// <param name="output">Receives the trace text, one statement per line, as statements are recorded.</param>
    /// <param name="machine">The machine to build (null for the defaults).</param>
    /// <param name="comments">Lines written first as <c># ...</c> comments (what recorded this, when).</param>
    /// <exception cref="ArgumentException"><paramref name="machine"/> has a setting a v1 trace cannot
    /// express (the ATC's associativity), so the replay could not build the same machine.</exception>
    public TraceRecorder(TextWriter output, MachineOptions? machine = null, IEnumerable<string>? comments = null)
    {
        ArgumentNullException.ThrowIfNull(output);
        var options = machine ?? new MachineOptions();
        if (options.AtcWays != new MachineOptions().AtcWays)
        {
            throw new ArgumentException($"a v1 trace cannot express an ATC with {options.AtcWays} ways (replay builds {new MachineOptions().AtcWays}-way ATCs)", nameof(machine));
        }
        _output = output;
        _replayer = TraceReplayer.Start("recording", new ReplayOptions { Defaults = options });
        foreach (string c in comments ?? [])
        {
            foreach (string line in c.Split('\n'))
            {
                _output.Write("# ");
                _output.Write(line.TrimEnd('\r'));
                _output.Write('\n');
                _lines++;
            }
        }
        Record(new TraceHeader(1));
        Record(new MachineStatement(
            Ram: options.RamSize,
            Paging: options.Paging == PagingMode.FiveLevel ? 5 : 4,
            AtcEntries: (ulong)options.AtcEntries,
            IotlbEntries: (ulong)options.IotlbEntries,
            CmdqEntries: (ulong)options.CmdqEntries,
            Inject: options.Inject));
    }

    /// <summary>The engine the statements run on: its machine, processes, devices and counters.</summary>
    public TraceReplayer Replayer => _replayer;

    /// <summary>Lines written so far (comments included).</summary>
    public int LinesWritten => _lines;

    /// <summary>Runs <paramref name="statement"/> and writes it (an action with what it did as its result).</summary>
    /// <returns>What the action did; <see cref="ActionOutcome.Ok"/> for other statements.</returns>
    /// <exception cref="InvalidOperationException"><see cref="Finish"/> was called.</exception>
    public ActionOutcome Record(Statement statement)
    {
        ArgumentNullException.ThrowIfNull(statement);
        if (_result is not null)
        {
            throw new InvalidOperationException("the recording has finished");
        }
        var numbered = statement with { Line = _lines + 1, Column = 1 };
        var outcome = _replayer.Step(numbered);
        var written = numbered is ActionStatement a ? a with { Result = Observed(a, outcome) } : numbered;
        _line.Clear();
        TraceWriter.Append(_line, written);
        _line.Append('\n');
        _output.Write(_line);
        _lines++;
        return outcome;
    }

    /// <summary>Writes <c>expect count NAME == N</c> for every counter, flushes the output and ends the
    /// run (<see cref="TraceReplayer.Finish"/>). Later calls return the same result.</summary>
    /// <returns>The run judged against the caller's expectations (a <c>read</c> expected to succeed
    /// that faulted is a failure here, while the file says <c>=&gt; fault</c> and its replay passes
    /// that line; a mismatch fails both alike). Stale accesses are expected by count, not failures.</returns>
    public ReplayResult Finish()
    {
        if (_result is not null)
        {
            return _result;
        }
        var counters = _replayer.CurrentCounters;
        foreach (TraceCounter counter in Enum.GetValues<TraceCounter>())
        {
            Record(new ExpectCountStatement(counter, CountOp.Equal, (ulong)Math.Max(0, counters[counter])));
        }
        _output.Flush();
        _result = _replayer.Finish();
        return _result;
    }

    /// <summary>The result a replay must meet to do what this run did.</summary>
    private static ExpectedResult Observed(ActionStatement a, ActionOutcome outcome) => outcome.Kind switch
    {
        ActionOutcomeKind.Ok => a.Result.Kind == ResultKind.Pattern ? a.Result : ExpectedResult.Ok,
        ActionOutcomeKind.Fault => ExpectedResult.Fault,
        ActionOutcomeKind.Error => ExpectedResult.Fails(outcome.Error),
        // A mismatch or an action that could not run: keep the expectation, so the replay fails alike.
        _ => a.Result,
    };
}

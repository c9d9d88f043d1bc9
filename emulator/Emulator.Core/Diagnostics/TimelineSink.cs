using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Emulator.Core.Diagnostics;

/// <summary>
/// <c>--timeline FILE.json</c>: the Chrome/Perfetto trace-event JSON format (open it in
/// ui.perfetto.dev or chrome://tracing). One process, a track (thread) per agent: each vCPU, each
/// notifier subscriber, the SMMU command queue, each device's ATC, the board link. Every
/// invalidation is a flow from its first notifier call through the page-table change, the SMMU
/// commands and the ATC invalidation to its completion and the end of the notifier range.
/// </summary>
/// <remarks>
/// <para>Timestamps are virtual cycles (<see cref="TraceEvents"/>) written as microseconds, so one
/// microsecond on the timeline is one cycle. Events are streamed to the writer as they happen;
/// <see cref="Finish"/> closes open slices, names the tracks and ends the document.</para>
/// <para>Slices: a notifier range (invalidate_range_start to _end) and a CMD_SYNC wait are B/E pairs on
/// their tracks; every other event is a complete (X) slice of one cycle. Flows use ph s/t/f with one
/// id per invalidation and bind to the slice that encloses them.</para>
/// </remarks>
public sealed class TimelineSink : ITraceSink
{
    private const int Pid = 1;
    private readonly TextWriter _writer;
    private readonly TraceSubjects _subjects = new();
    private readonly Dictionary<string, int> _tracks = new(StringComparer.Ordinal);
    private readonly Dictionary<int, int> _open = [];
    private readonly JavaScriptEncoder _encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping;
    private bool _first = true;
    private int _rangesOpen;
    private long _flow;
    private long _nextFlow;
    private long _last;
    private bool _finished;

    public TimelineSink(TextWriter writer)
    {
        _writer = writer;
        _writer.Write("{\"displayTimeUnit\":\"ns\",\"otherData\":{\"clock\":\"virtual cycles (1 us = 1 cycle)\"},\"traceEvents\":[\n");
    }

    /// <summary>Invalidation flows started.</summary>
    public long Flows => _nextFlow;

    public void Write(in TraceEvent e)
    {
        string? subject = _subjects.Name(e.Subject);
        string agent = TraceEventCatalog.Agent(e, subject);
        int tid = Track(e.Agent == TraceAgentKind.Smmu ? "smmu cmdq" : e.Agent == TraceAgentKind.Device ? agent + " ATC" : e.Agent == TraceAgentKind.Board ? "board link" : agent);
        string name = TraceEventCatalog.Name(e.Id);
        string args = TraceEventCatalog.Arguments(e, subject);
        double ts = e.Time;
        _last = e.Time;
        switch (e.Id)
        {
            case TraceEventId.NotifierStart:
                if (_rangesOpen++ == 0)
                {
                    _flow = ++_nextFlow;
                    Slice('B', "invalidate " + args, tid, ts, args);
                    Flow('s', tid, ts, name);
                }
                else
                {
                    Slice('B', "invalidate " + args, tid, ts, args);
                    Flow('t', tid, ts, name);
                }
                _open[tid] = _open.TryGetValue(tid, out int n) ? n + 1 : 1;
                return;
            case TraceEventId.NotifierEnd:
                if (_open.TryGetValue(tid, out int depth) && depth > 0)
                {
                    if (_rangesOpen > 0 && _flow != 0)
                    {
                        Flow(--_rangesOpen == 0 ? 'f' : 't', tid, ts, name);
                        if (_rangesOpen == 0)
                        {
                            _flow = 0;
                        }
                    }
                    Slice('E', null, tid, ts + 0.5, null);
                    _open[tid] = depth - 1;
                }
                else
                {
                    Complete(name, tid, ts, args);
                }
                return;
            case TraceEventId.SmmuCmdSync:
                Slice('B', "CMD_SYNC", tid, ts, args);
                _open[tid] = _open.TryGetValue(tid, out int m) ? m + 1 : 1;
                StepIfOpen(tid, ts, name);
                return;
            case TraceEventId.SmmuCmdSyncDone:
                StepIfOpen(tid, ts, name);
                if (_open.TryGetValue(tid, out int d) && d > 0)
                {
                    Slice('E', null, tid, ts + 0.5, args.Length > 0 ? args : null);
                    _open[tid] = d - 1;
                }
                return;
            case TraceEventId.SmmuCmd:
                Complete(args.Split(' ')[0], tid, ts, args);
                StepIfOpen(tid, ts, name);
                return;
            default:
                Complete(name, tid, ts, args);
                StepIfOpen(tid, ts, name);
                return;
        }
    }

    /// <summary>Closes every open slice and flow at the last timestamp, names the tracks, ends the JSON.</summary>
    public void Finish()
    {
        if (_finished)
        {
            return;
        }
        _finished = true;
        double end = _last + 1;
        foreach (var (tid, depth) in _open)
        {
            for (int i = 0; i < depth; i++)
            {
                Slice('E', null, tid, end, null);
            }
        }
        if (_flow != 0)
        {
            Flow('f', _tracks.First().Value, end, "end of run");
        }
        Raw($"{{\"ph\":\"M\",\"name\":\"process_name\",\"pid\":{Pid},\"args\":{{\"name\":\"emulator\"}}}}");
        foreach (var (track, tid) in _tracks)
        {
            Raw($"{{\"ph\":\"M\",\"name\":\"thread_name\",\"pid\":{Pid},\"tid\":{tid},\"args\":{{\"name\":{Str(track)}}}}}");
            Raw($"{{\"ph\":\"M\",\"name\":\"thread_sort_index\",\"pid\":{Pid},\"tid\":{tid},\"args\":{{\"sort_index\":{tid}}}}}");
        }
        _writer.Write("\n]}\n");
        _writer.Flush();
    }

    private int Track(string name)
    {
        if (!_tracks.TryGetValue(name, out int tid))
        {
            tid = _tracks.Count + 1;
            _tracks.Add(name, tid);
        }
        return tid;
    }

    private void StepIfOpen(int tid, double ts, string name)
    {
        if (_flow != 0)
        {
            Flow('t', tid, ts, name);
        }
    }

    private void Complete(string name, int tid, double ts, string args) =>
        Raw($"{{\"ph\":\"X\",\"name\":{Str(name)},\"cat\":\"emulator\",\"pid\":{Pid},\"tid\":{tid},\"ts\":{Num(ts)},\"dur\":1{Args(args)}}}");

    private void Slice(char ph, string? name, int tid, double ts, string? args) =>
        Raw(ph == 'B'
            ? $"{{\"ph\":\"B\",\"name\":{Str(name!)},\"cat\":\"emulator\",\"pid\":{Pid},\"tid\":{tid},\"ts\":{Num(ts)}{Args(args)}}}"
            : $"{{\"ph\":\"E\",\"pid\":{Pid},\"tid\":{tid},\"ts\":{Num(ts)}{Args(args)}}}");

    private void Flow(char ph, int tid, double ts, string step) =>
        Raw($"{{\"ph\":\"{ph}\",\"name\":\"invalidation\",\"cat\":\"shootdown\",\"id\":{_flow.ToString(CultureInfo.InvariantCulture)},\"pid\":{Pid},\"tid\":{tid},\"ts\":{Num(ts)}{(ph == 't' ? "" : ",\"bp\":\"e\"")},\"args\":{{\"event\":{Str(step)}}}}}");

    private string Args(string? args) => string.IsNullOrEmpty(args) ? "" : $",\"args\":{{\"detail\":{Str(args)}}}";

    private string Str(string s) => "\"" + _encoder.Encode(s) + "\"";

    private static string Num(double v) => v.ToString("0.###", CultureInfo.InvariantCulture);

    private void Raw(string json)
    {
        if (!_first)
        {
            _writer.Write(",\n");
        }
        _first = false;
        _writer.Write(json);
    }
}

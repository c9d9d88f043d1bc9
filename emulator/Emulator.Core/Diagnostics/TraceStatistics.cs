using System.Globalization;
using System.Text.Json;

namespace Emulator.Core.Diagnostics;

/// <summary>
/// <c>--stats</c>: the figures a kernel developer compares between two driver variants, computed from
/// the trace events — invalidation latency from the page-table change to the ATC completion (virtual
/// cycles), SMMU commands per invalidation, PRI round trips — plus the ATC hit rate the owner adds
/// from the devices' counters (<see cref="AddAtc"/>).
/// </summary>
/// <remarks>An invalidation is the span from the first subscriber's invalidate_range_start to the
/// last one's invalidate_range_end (the mm's shootdown, <c>docs/notifiers.md</c>); its latency runs
/// from its first <c>pte_change</c> to its last <c>atc_inv_complete</c> (or the CMD_SYNC that closed
/// it). Invalidations that reached no ATC have no latency and are counted apart.</remarks>
public sealed class TraceStatistics : ITraceSink
{
    private readonly List<long> _latencies = [];
    private readonly List<long> _commands = [];
    private readonly List<long> _priRoundTrips = [];
    private int _rangesOpen;
    private long _pteAt = -1, _doneAt = -1, _commandsIn;
    private bool _reachedAtc;
    private long _invalidations, _withoutAtc, _priRequested = -1;
    private long _atcHits, _atcMisses, _atcFills;

    public void Write(in TraceEvent e)
    {
        switch (e.Id)
        {
            case TraceEventId.NotifierStart:
                if (_rangesOpen++ == 0)
                {
                    _pteAt = _doneAt = -1;
                    _commandsIn = 0;
                    _reachedAtc = false;
                }
                break;
            case TraceEventId.PteChange:
                if (_rangesOpen > 0 && _pteAt < 0)
                {
                    _pteAt = e.Time;
                }
                break;
            case TraceEventId.SmmuCmd:
                if (_rangesOpen > 0)
                {
                    _commandsIn++;
                }
                break;
            case TraceEventId.AtcInvComplete:
            case TraceEventId.BoardSyncDone:
                if (_rangesOpen > 0)
                {
                    _reachedAtc = true;
                    _doneAt = e.Time;
                }
                break;
            case TraceEventId.SmmuCmdSyncDone:
                if (_rangesOpen > 0 && _reachedAtc)
                {
                    _doneAt = e.Time;
                }
                break;
            case TraceEventId.NotifierEnd:
                if (_rangesOpen > 0 && --_rangesOpen == 0)
                {
                    _invalidations++;
                    _commands.Add(_commandsIn);
                    if (_reachedAtc && _pteAt >= 0)
                    {
                        _latencies.Add(_doneAt - _pteAt);
                    }
                    else
                    {
                        _withoutAtc++;
                    }
                }
                break;
            case TraceEventId.AtcFill:
                _atcFills++;
                break;
            case TraceEventId.PriRequest:
                _priRequested = e.Time;
                break;
            case TraceEventId.PriResponse:
                if (_priRequested >= 0)
                {
                    _priRoundTrips.Add(e.Time - _priRequested);
                    _priRequested = -1;
                }
                break;
        }
    }

    /// <summary>Adds a device's ATC lookup counters (hits and misses are counted by the ATC itself,
    /// not traced: a lookup is the hottest path of a DMA).</summary>
    public void AddAtc(long hits, long misses)
    {
        _atcHits += hits;
        _atcMisses += misses;
    }

    /// <summary>Invalidations seen (notifier ranges).</summary>
    public long Invalidations => _invalidations;

    /// <summary>Latencies of the invalidations that reached an ATC, in virtual cycles.</summary>
    public IReadOnlyList<long> Latencies => _latencies;

    /// <summary>The human-readable table.</summary>
    public void WriteText(TextWriter w)
    {
        var c = CultureInfo.InvariantCulture;
        w.WriteLine(string.Create(c, $"stats: {_invalidations} invalidations ({_latencies.Count} reached an ATC, {_withoutAtc} did not)"));
        w.WriteLine("stats: invalidation latency, pte change -> ATC completion (virtual cycles): " + Describe(_latencies));
        w.WriteLine("stats: SMMU commands per invalidation: " + Describe(_commands));
        long lookups = _atcHits + _atcMisses;
        w.WriteLine(lookups == 0
            ? string.Create(c, $"stats: ATC hit rate: no lookups ({_atcFills} fills)")
            : string.Create(c, $"stats: ATC hit rate: {100.0 * _atcHits / lookups:0.0}% ({_atcHits} hits, {_atcMisses} misses, {_atcFills} fills)"));
        w.WriteLine("stats: PRI round trips (virtual cycles): " + Describe(_priRoundTrips));
    }

    /// <summary>The same as a JSON object (for <c>--json</c>).</summary>
    public void WriteJson(Utf8JsonWriter w)
    {
        w.WriteStartObject();
        w.WriteNumber("invalidations", _invalidations);
        w.WriteNumber("invalidations_without_atc", _withoutAtc);
        Distribution(w, "invalidation_latency_cycles", _latencies);
        Distribution(w, "commands_per_invalidation", _commands);
        w.WriteStartObject("atc");
        w.WriteNumber("hits", _atcHits);
        w.WriteNumber("misses", _atcMisses);
        w.WriteNumber("fills", _atcFills);
        if (_atcHits + _atcMisses > 0)
        {
            w.WriteNumber("hit_rate", Math.Round((double)_atcHits / (_atcHits + _atcMisses), 6));
        }
        w.WriteEndObject();
        Distribution(w, "pri_round_trip_cycles", _priRoundTrips);
        w.WriteEndObject();
    }

    /// <summary>count, min, median, p99, max of <paramref name="values"/> (nearest-rank percentiles).</summary>
    public static (long Count, long Min, long Median, long P99, long Max) Summarize(IReadOnlyList<long> values)
    {
        if (values.Count == 0)
        {
            return (0, 0, 0, 0, 0);
        }
        var sorted = values.ToArray();
        Array.Sort(sorted);
        return (sorted.Length, sorted[0], Rank(sorted, 50), Rank(sorted, 99), sorted[^1]);
    }

    private static long Rank(long[] sorted, int percentile) =>
        sorted[Math.Clamp((int)Math.Ceiling(percentile / 100.0 * sorted.Length) - 1, 0, sorted.Length - 1)];

    private static string Describe(IReadOnlyList<long> values)
    {
        var (count, min, median, p99, max) = Summarize(values);
        return count == 0 ? "none" : string.Create(CultureInfo.InvariantCulture, $"count {count}, min {min}, median {median}, p99 {p99}, max {max}");
    }

    private static void Distribution(Utf8JsonWriter w, string name, IReadOnlyList<long> values)
    {
        var (count, min, median, p99, max) = Summarize(values);
        w.WriteStartObject(name);
        w.WriteNumber("count", count);
        w.WriteNumber("min", min);
        w.WriteNumber("median", median);
        w.WriteNumber("p99", p99);
        w.WriteNumber("max", max);
        w.WriteEndObject();
    }
}

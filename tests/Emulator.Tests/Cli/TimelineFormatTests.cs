using System.Text.Json;
using Emulator.Core.Diagnostics;
using Emulator.Tests.Trace;

namespace Emulator.Tests.Cli;

/// <summary>
/// <c>--timeline</c> writes Chrome/Perfetto trace-event JSON. The file is checked against the format's
/// rules (every event well formed, B/E matched per track, flows with ids that start once and finish
/// once, metadata naming the tracks), and the flows of a known trace are checked step by step.
/// </summary>
public sealed class TimelineFormatTests : IDisposable
{
    private readonly CliTempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private static string Trace(string name) => Path.Combine(CorpusTests.RepoRoot(), "traces", name);

    /// <summary>Checks the format's rules; returns the events.</summary>
    internal static JsonElement[] Validate(string path)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(path));
        var events = doc.RootElement.GetProperty("traceEvents").EnumerateArray().Select(e => e.Clone()).ToArray();
        var open = new Dictionary<(int, int), Stack<double>>();
        var flows = new Dictionary<long, List<(string Ph, double Ts)>>();
        var named = new HashSet<int>();
        var used = new HashSet<int>();
        foreach (var e in events)
        {
            string ph = e.GetProperty("ph").GetString()!;
            Assert.Contains(ph, new[] { "B", "E", "X", "s", "t", "f", "M" }); // only the phases we document
            int pid = e.GetProperty("pid").GetInt32();
            if (ph == "M")
            {
                if (e.GetProperty("name").GetString() == "thread_name")
                {
                    named.Add(e.GetProperty("tid").GetInt32());
                }
                continue;
            }
            int tid = e.GetProperty("tid").GetInt32();
            double ts = e.GetProperty("ts").GetDouble();
            used.Add(tid);
            Assert.True(ts >= 0);
            var key = (pid, tid);
            switch (ph)
            {
                case "B":
                    Assert.False(string.IsNullOrEmpty(e.GetProperty("name").GetString())); // a begin names its slice
                    (open.TryGetValue(key, out var s) ? s : open[key] = new Stack<double>()).Push(ts);
                    break;
                case "E":
                    Assert.True(open.TryGetValue(key, out var st) && st.Count > 0, $"E without B on tid {tid} at {ts}");
                    Assert.True(st!.Pop() <= ts); // ends after it began
                    break;
                case "X":
                    Assert.True(e.GetProperty("dur").GetDouble() >= 0);
                    Assert.False(string.IsNullOrEmpty(e.GetProperty("name").GetString()));
                    break;
                default:
                    long id = e.GetProperty("id").GetInt64(); // flows carry ids
                    (flows.TryGetValue(id, out var f) ? f : flows[id] = []).Add((ph, ts));
                    break;
            }
        }
        Assert.All(open.Values, s => Assert.Empty(s)); // every B has its E
        foreach (var (id, steps) in flows)
        {
            Assert.Equal("s", steps[0].Ph); // a flow starts once...
            Assert.Equal("f", steps[^1].Ph); // ...finishes once...
            Assert.All(steps.Skip(1).SkipLast(1), x => Assert.Equal("t", x.Ph)); // ...with steps between
            for (int i = 1; i < steps.Count; i++)
            {
                Assert.True(steps[i - 1].Ts <= steps[i].Ts, $"flow {id} goes back in time");
            }
        }
        Assert.Subset(named, used); // every track is named
        return events;
    }

    [Fact]
    public void Replaying_a_munmap_under_a_device_gives_one_flow_through_every_layer()
    {
        string timeline = _dir.File_("munmap.json");

        var r = CliProcess.Emulator("replay", Trace("munmap-device.trace"), "--timeline", timeline);

        Assert.True(r.Rc == 0, r.ToString());
        var events = Validate(timeline);
        var steps = events.Where(e => e.GetProperty("ph").GetString() is "s" or "t" or "f")
            .Select(e => e.GetProperty("args").GetProperty("event").GetString()).ToList();
        // The shootdown order of docs/notifiers.md, as one flow: notifier start, the PTE change,
        // the secondary-TLB call, the SMMU commands, the ATC invalidation and its completion, the
        // CMD_SYNC that waits for it, and the notifier end.
        Assert.Equal("notifier_invalidate_start", steps[0]);
        Assert.Equal("notifier_invalidate_end", steps[^1]);
        int pte = steps.IndexOf("pte_change"), secondary = steps.IndexOf("notifier_secondary_tlbs"),
            inv = steps.IndexOf("atc_inv"), done = steps.IndexOf("atc_inv_complete"), sync = steps.LastIndexOf("smmu_cmd_sync_done");
        Assert.True(0 < pte && pte < secondary && secondary < inv && inv < done && done < sync, string.Join(", ", steps));
        var threads = events.Where(e => e.GetProperty("ph").GetString() == "M" && e.GetProperty("name").GetString() == "thread_name")
            .Select(e => e.GetProperty("args").GetProperty("name").GetString()).ToList();
        Assert.Contains("smmu cmdq", threads); // a track for the SMMU command queue
        Assert.Contains("dev 0x10 ATC", threads); // one per device ATC
        Assert.Contains(threads, t => t!.StartsWith("notifier ", StringComparison.Ordinal)); // one per subscriber
    }

    [Fact]
    public void A_guest_boot_timeline_has_a_track_per_vcpu_and_validates()
    {
        string timeline = _dir.File_("boot.json");

        var r = CliProcess.Emulator("boot", "--ram", "64M", "--vcpus", "2", "--timeline", timeline, "--stats");

        Assert.True(r.Rc == 0, r.ToString());
        var events = Validate(timeline);
        var threads = events.Where(e => e.GetProperty("ph").GetString() == "M" && e.GetProperty("name").GetString() == "thread_name")
            .Select(e => e.GetProperty("args").GetProperty("name").GetString()).ToList();
        Assert.Contains(threads, t => t!.StartsWith("vcpu", StringComparison.Ordinal)); // CPU-side events carry their vCPU
        Assert.Contains(events, e => e.GetProperty("ph").GetString() == "s"); // the builtin guest's munmaps made flows
        Assert.Contains("stats: invalidation latency", r.Err); // --stats joins the summary on stderr
    }

    [Fact]
    public void Statistics_count_what_the_known_trace_does()
    {
        var sink = new TraceStatistics();
        using (var session = new TraceSession())
        {
            session.Add(sink);
            session.Bind();
            var parsed = Emulator.Core.Trace.TraceParser.ParseFile(Trace("munmap-device.trace"));
            Assert.True(Emulator.Core.Trace.Replay.TraceReplayer.Run("munmap-device.trace", parsed).Passed);
        }

        Assert.Equal(1, sink.Invalidations); // one munmap under the bound device: one shootdown
        long latency = Assert.Single(sink.Latencies);
        Assert.True(latency > 0); // pte change strictly before the ATC completion
        var (count, min, median, p99, max) = TraceStatistics.Summarize([5, 1, 9, 3, 7]);
        Assert.Equal((5L, 1L, 5L, 9L, 9L), (count, min, median, p99, max)); // nearest-rank median and p99
    }

    [Fact]
    public void Trace_lines_go_to_the_trace_file_with_time_agent_and_arguments()
    {
        string file = _dir.File_("trace.txt");

        var r = CliProcess.Emulator("replay", Trace("munmap-device.trace"), "--trace", "atc_inv*,pte_change", "--trace-file", file);

        Assert.True(r.Rc == 0, r.ToString());
        string[] lines = File.ReadAllLines(file);
        Assert.Contains(lines, l => System.Text.RegularExpressions.Regex.IsMatch(l, @"^@\d+ cpu pte_change mm\d+ start=0x[0-9a-f]+ end=0x[0-9a-f]+ pages=\d+ kind=unmap$"));
        Assert.Contains(lines, l => System.Text.RegularExpressions.Regex.IsMatch(l, @"^@\d+ dev 0x10 atc_inv sid=0x10 pasid=\d+ addr=0x[0-9a-f]+ size="));
        Assert.Contains(lines, l => l.Contains(" atc_inv_complete sid=0x10 removed=", StringComparison.Ordinal));
        Assert.DoesNotContain(lines, l => l.Contains("smmu_cmd", StringComparison.Ordinal)); // the filter held
        Assert.DoesNotContain("pte_change", r.Err); // with --trace-file, stderr stays clean
    }
}

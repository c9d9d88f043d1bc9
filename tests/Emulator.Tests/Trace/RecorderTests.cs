using Emulator.Cli;
using Emulator.Core;
using Emulator.Core.Iommu;
using Emulator.Core.Mm;
using Emulator.Core.Trace;
using Emulator.Core.Trace.Replay;
using Spectre.Console;

namespace Emulator.Tests.Trace;

/// <summary>Recording (<see cref="TraceRecorder"/>, <c>emulator boot --record</c>): a recorded run
/// replays to the same results.</summary>
public class RecorderTests
{
    private static IAnsiConsole Quiet(StringWriter output) => AnsiConsole.Create(new AnsiConsoleSettings
    {
        Ansi = AnsiSupport.No,
        ColorSystem = ColorSystemSupport.NoColors,
        Out = new AnsiConsoleOutput(output),
    });

    private static ReplayResult Replay(string text, ReplayOptions? options = null)
    {
        var parsed = TraceParser.Parse("recorded.trace", text);
        Assert.True(parsed.Success, string.Join("\n", parsed.Errors)); // the recorder writes valid v1
        return TraceReplayer.Run("recorded.trace", parsed, options);
    }

    [Fact]
    public void Boot_record_writes_a_trace_that_replays_with_the_same_counters()
    {
        var trace = new StringWriter();
        var options = new MachineOptions { RamSize = 64UL << 20 };

        int rc = BootCommand.Run(options, Quiet(new StringWriter()), trace);

        Assert.Equal(0, rc);
        string text = trace.ToString();
        Assert.StartsWith("# recorded by emulator boot", text);
        Assert.Contains("\ntrace 1\nmachine ram=0x4000000 paging=4 ", text); // the machine is written in full
        Assert.Contains("dma dev0 demo read 0x7f0000000000 0x1000 => fault", text); // after munmap under the device
        var result = Replay(text);
        Assert.True(result.Passed, string.Join("\n", result.Failures));
        Assert.True(result.Counters.AtcInv > 0); // the ATC path was exercised, so the counts below mean something
        Assert.Contains($"expect count atc-inv == {result.Counters.AtcInv}\n", text);
        Assert.Contains("expect count stale == 0\n", text);
    }

    [Fact]
    public void Boot_record_with_an_injected_bug_reproduces_the_stale_access_on_replay()
    {
        var trace = new StringWriter();
        var options = new MachineOptions { RamSize = 64UL << 20, Inject = FaultInjection.SkipAtcInv };

        int rc = BootCommand.Run(options, Quiet(new StringWriter()), trace);

        Assert.Equal(1, rc); // the boot fails: the oracle fired
        string text = trace.ToString();
        Assert.Contains(" inject=skip-atc-inv", text);
        var result = Replay(text);
        Assert.True(result.Passed, string.Join("\n", result.Failures)); // the same run, so the same counts
        Assert.True(result.Counters.Stale > 0);
        Assert.Contains($"expect count stale == {result.Counters.Stale}\n", text);

        // Without the injected bug the replay diverges, and the recorded counts say so.
        var fixedDriver = Replay(text.Replace(" inject=skip-atc-inv", ""));
        Assert.False(fixedDriver.Passed);
        Assert.Contains(fixedDriver.Failures, f => f.Message.Contains("expected count stale == "));
    }

    [Fact]
    public void Boot_record_option_writes_the_file_and_reports_an_unwritable_path()
    {
        string path = Path.Combine(Path.GetTempPath(), $"boot-{Guid.NewGuid():N}.trace");
        try
        {
            var output = new StringWriter();
            Assert.Equal(0, BootCommand.RunRecording(new MachineOptions { RamSize = 64UL << 20 }, Quiet(output), path));
            Assert.True(Replay(File.ReadAllText(path)).Passed);
            Assert.Contains("recorded ", output.ToString());
        }
        finally
        {
            File.Delete(path);
        }

        var err = new StringWriter();
        Assert.Equal(3, BootCommand.RunRecording(new MachineOptions { RamSize = 64UL << 20 }, Quiet(err), "/nonexistent-dir/x.trace"));
        Assert.Contains("--record /nonexistent-dir/x.trace", err.ToString());
    }

    [Fact]
    public void Outcomes_are_written_as_results_and_a_mismatch_keeps_its_expectation_so_the_replay_fails_alike()
    {
        var trace = new StringWriter();
        var rec = new TraceRecorder(trace, new MachineOptions { RamSize = 16UL << 20 });
        rec.Record(new ProcessStatement("p"));
        rec.Record(new MmapStatement("p", 0x10000, 0x2000, Protection.ReadWrite));
        var overlap = rec.Record(new MmapStatement("p", 0x11000, 0x1000, Protection.Read) { Result = ExpectedResult.Any });
        var segv = rec.Record(new ReadStatement("p", 0x20000, 8));
        rec.Record(new WriteStatement("p", 0x10000, 16, Pattern.Byte(7)));
        var wrong = rec.Record(new ReadStatement("p", 0x10000, 16) { Result = ExpectedResult.Bytes(Pattern.Byte(8)) });
        var recorded = rec.Finish();

        Assert.Equal(ActionOutcomeKind.Error, overlap.Kind);
        Assert.Equal(ActionOutcomeKind.Fault, segv.Kind);
        Assert.Equal(ActionOutcomeKind.Mismatch, wrong.Kind);
        string text = trace.ToString();
        Assert.Contains("mmap p 0x11000 0x1000 r => error EEXIST\n", text); // `any` became what happened
        Assert.Contains("read p 0x20000 0x8 => fault\n", text); // an expected success that faulted is written as the fault
        Assert.Contains("read p 0x10000 0x10 => byte:8\n", text); // the unmet pattern is kept
        // The recording run failed the caller's two expectations (the fault and the mismatch); its
        // replay meets the fault as written and fails the mismatch at the same line, with the same message.
        Assert.Equal(2, recorded.Failures.Count);
        var replayed = Replay(text);
        var mismatch = Assert.Single(replayed.Failures);
        Assert.Equal(recorded.Failures[1].ToString().Replace("recording", "recorded.trace"), mismatch.ToString());
    }

    [Fact]
    public void A_machine_a_trace_cannot_express_is_refused()
    {
        var e = Assert.Throws<ArgumentException>(() => new TraceRecorder(new StringWriter(), new MachineOptions { AtcWays = 8 }));
        Assert.Contains("8 ways", e.Message);
    }

    /// <summary>Seeded random runs over mmap, munmap, mprotect, madvise, mremap, migrate, fork, CPU
    /// and DMA accesses, all recorded with <c>any</c>: the replay must meet every recorded outcome and
    /// every recorded counter. 40 runs of 60 actions; the seed is in the failure message.</summary>
    [Fact]
    public void Random_recorded_runs_replay_to_the_same_outcome_at_every_statement()
    {
        for (int seed = 1; seed <= 40; seed++)
        {
            var trace = new StringWriter();
            var rec = new TraceRecorder(trace, new MachineOptions { RamSize = 32UL << 20, AtcEntries = 16 });
            var outcomes = RandomRun(rec, new Random(seed), 60);
            var recorded = rec.Finish();
            Assert.True(recorded.Passed, $"seed {seed}: " + string.Join("\n", recorded.Failures)); // `any` everywhere

            var replayed = Replay(trace.ToString());

            Assert.True(replayed.Passed, $"seed {seed}:\n" + string.Join("\n", replayed.Failures) + "\n" + trace);
            Assert.Equal(recorded.Counters, replayed.Counters);
            Assert.Equal(recorded.StatementsRun, replayed.StatementsRun);
            Assert.Contains(outcomes, o => o != ActionOutcomeKind.Ok); // the runs include failures, not just successes
        }
    }

    [Fact]
    public void A_replay_that_diverges_from_the_recording_fails_at_the_diverging_line()
    {
        var trace = new StringWriter();
        var rec = new TraceRecorder(trace, new MachineOptions { RamSize = 32UL << 20 });
        RandomRun(rec, new Random(7), 60);
        rec.Finish();
        string text = trace.ToString();
        // Drop the first munmap: from there on the process has more mapped than the recording had.
        var lines = text.Split('\n').ToList();
        int munmap = lines.FindIndex(l => l.StartsWith("munmap ") && !l.Contains("=>"));
        Assert.True(munmap > 0);
        lines[munmap] = "# " + lines[munmap];

        var replayed = Replay(string.Join('\n', lines));

        Assert.False(replayed.Passed);
        Assert.True(replayed.Failures[0].Line > munmap + 1, replayed.Failures[0].ToString()); // nothing before it diverged
    }

    private static List<ActionOutcomeKind> RandomRun(TraceRecorder rec, Random rng, int actions)
    {
        var outcomes = new List<ActionOutcomeKind>();
        var processes = new List<string> { "p0" };
        rec.Record(new ProcessStatement("p0"));
        rec.Record(new DeviceStatement("d0", 1, Ats: true, Pri: true));
        rec.Record(new BindStatement("d0", "p0"));
        const ulong arena = 0x4000_0000;
        Protection[] prots = [Protection.None, Protection.Read, Protection.ReadWrite, Protection.Read | Protection.Exec];
        for (int i = 0; i < actions; i++)
        {
            string p = processes[rng.Next(processes.Count)];
            ulong addr = arena + (ulong)rng.Next(32) * 0x1000;
            ulong size = (ulong)rng.Next(1, 9) * 0x1000;
            ActionStatement s = rng.Next(12) switch
            {
                0 or 1 => new MmapStatement(p, addr, size, prots[rng.Next(prots.Length)], Shared: rng.Next(4) == 0),
                2 => new MunmapStatement(p, addr, size),
                3 => new MprotectStatement(p, addr, size, prots[rng.Next(prots.Length)]),
                4 => new MadviseStatement(p, addr, size, Advice.DontNeed),
                5 => new MremapStatement(p, addr, size, (ulong)rng.Next(1, 9) * 0x1000),
                6 => new MigrateStatement(p, addr, size),
                7 => new WriteStatement(p, addr, (ulong)rng.Next(1, 0x3000), Pattern.Rand((ulong)rng.Next())),
                8 => new ReadStatement(p, addr, (ulong)rng.Next(1, 0x3000)),
                9 => new DmaStatement("d0", "p0", DmaDirection.Write, addr, (ulong)rng.Next(1, 0x2000), Pattern.Seq32((uint)rng.Next())),
                10 => new DmaStatement("d0", "p0", DmaDirection.Read, addr, (ulong)rng.Next(1, 0x2000)),
                _ => processes.Count < 3 ? new ForkStatement(p, $"c{processes.Count}") : new ReadStatement(p, addr, 8),
            };
            var outcome = rec.Record(s with { Result = ExpectedResult.Any });
            outcomes.Add(outcome.Kind);
            if (s is ForkStatement f && outcome.Kind == ActionOutcomeKind.Ok)
            {
                processes.Add(f.Child);
            }
        }
        return outcomes;
    }
}

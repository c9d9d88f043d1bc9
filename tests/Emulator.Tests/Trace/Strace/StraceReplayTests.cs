using Emulator.Core.Iommu;
using Emulator.Core.Trace.Replay;
using Emulator.Core.Trace.Strace;
using static Emulator.Tests.Trace.Strace.StraceTestSupport;

namespace Emulator.Tests.Trace.Strace;

/// <summary>The acceptance test: the example logs (real strace output, Data/*.strace) import and
/// the traces replay on the emulated machine without a failure, with and without DMA probes.</summary>
public sealed class StraceReplayTests
{
    private static string Log(string name) => File.ReadAllText(Path.Combine(StraceLineParserTests.DataDir, name));

    [Theory]
    [InlineData("malloc-loop.strace", 1)]
    [InlineData("python-json.strace", 79)]
    public void An_example_log_imports_and_replays(string log, int processes)
    {
        var r = ImportOk(Log(log));

        Assert.Equal(processes, r.Processes);
        Assert.DoesNotContain(r.Skipped.Keys, k => k is "mmap" or "munmap" or "mprotect" or "mremap" or "brk"); // memory calls are never skipped
        AssertReplays(r);
    }

    [Theory]
    [InlineData("malloc-loop.strace", 0UL)]
    [InlineData("malloc-loop.strace", 1UL)]
    [InlineData("python-json.strace", 7UL)]
    public void An_example_log_with_dma_probes_replays(string log, ulong seed)
    {
        var r = ImportOk(Log(log), new StraceImportOptions("gpu", DmaProbes: 4, Seed: seed));

        var replay = Replay(r);

        Assert.True(replay.Passed, $"seed {seed}:\n" + string.Join("\n", replay.Failures));
        Assert.True(replay.Counters.DmaFault > 0, $"seed {seed}: no probe expected a fault"); // the probes check denials too
        Assert.Equal(0, replay.Counters.Stale);
    }

    [Fact]
    public void The_benchmarks_synthetic_log_imports_and_replays_with_probes()
    {
        // Forks, file mappings, mremap moves, madvise and unfinished/resumed pairs across 8 pids.
        string log = Emulator.Cli.Bench.StraceImportBenchmark.Log(40, out int lines);
        var r = ImportOk(log, new StraceImportOptions("gpu", DmaProbes: 2, Seed: 3));

        Assert.Equal(lines, r.Lines); // the benchmark's rate counts the lines the importer reads
        Assert.Equal(9, r.Processes);
        AssertReplays(r);
    }

    [Theory]
    [InlineData("malloc-loop.strace")]
    [InlineData("python-json.strace")]
    public void Probes_catch_a_driver_that_skips_the_atc_invalidation(string log)
    {
        var r = ImportOk(Log(log), new StraceImportOptions("gpu", DmaProbes: 4, Seed: 7));

        var replay = Replay(r, new ReplayOptions { Inject = FaultInjection.SkipAtcInv });

        // Negative control: with the bug injected, the same trace must fail — the probes' expectations
        // (or the oracle) see the stale ATC entries.
        Assert.False(replay.Passed, "the imported probes did not notice skipped ATC invalidations");
    }
}

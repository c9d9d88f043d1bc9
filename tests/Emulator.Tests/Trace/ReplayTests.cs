using Emulator.Core.Trace;
using Emulator.Core.Trace.Replay;

namespace Emulator.Tests.Trace;

/// <summary>The replay engine: traces written inline, run on a fresh machine, checked through the
/// failures a user would read (<c>file:line: expected … got …</c>) and the counters.</summary>
public sealed class ReplayTests
{
    private const string Header =
        "trace 1\n" +
        "process p\n" +
        "device gpu sid=0x10 ats pri\n" +
        "bind gpu p\n";

    private static ReplayResult Replay(string text) => TraceReplayer.Run("t.trace", text);

    private static string Failures(ReplayResult r) => string.Join("\n", r.Failures);

    [Fact]
    public void The_sva_life_cycle_replays_without_failures()
    {
        var r = Replay(Header +
            "mmap p 0x10000 8K rw\n" +
            "write p 0x10000 8K seq32:0x100\n" +
            "dma gpu p read 0x10000 8K => seq32:0x100\n" +
            "expect atc gpu p 0x11000 present\n" +
            "dma gpu p write 0x10000 16 byte:7\n" +
            "read p 0x10000 16 => byte:7\n" +
            "munmap p 0x10000 8K\n" +
            "expect atc gpu p 0x11000 absent\n" +
            "dma gpu p read 0x10000 8 => fault\n" +
            "read p 0x10000 8 => fault\n" +
            "unbind gpu p\n" +
            "expect count dma-fault == 1\n" +
            "expect count cpu-fault == 1\n" +
            "expect count stale == 0\n");

        Assert.True(r.Passed, Failures(r)); // every statement met its expectation
        Assert.Equal(18, r.StatementsRun); // and none was skipped
        Assert.Equal(1, r.Counters.DmaFault);
        Assert.Equal(0, r.Counters.Stale);
    }

    [Fact]
    public void Errors_and_mmap_overlap_are_results_the_trace_can_expect()
    {
        var r = Replay(Header +
            "mmap p 0x10000 4K rw\n" +
            "mmap p 0x10000 4K rw => error EEXIST\n" + // "at exactly ADDR, fails if it overlaps"
            "unbind gpu p\n" +
            "unbind gpu p => error EINVAL\n" + // no bond left
            "mprotect p 0x10000 4K r\n" +
            "write p 0x10000 4 byte:1 => fault\n" +
            "dma gpu p read 0x10000 4 => any\n");

        Assert.True(r.Passed, Failures(r));
    }

    [Fact]
    public void An_unmet_expectation_names_file_line_what_was_expected_and_what_happened()
    {
        var r = Replay(Header +
            "mmap p 0x10000 4K rw\n" +
            "write p 0x10000 4K byte:5\n" +
            "dma gpu p read 0x10000 4K => byte:6\n" + // line 7: wrong pattern
            "munmap p 0x10000 4K\n" +
            "dma gpu p read 0x10000 4 => ok\n" + // line 9: the page is gone
            "expect atc gpu p 0x10000 present\n"); // line 10

        Assert.False(r.Passed);
        Assert.Equal(3, r.Failures.Count); // the replay goes on after a failure and reports all of them
        string[] lines = r.Failures.Select(f => f.ToString()).ToArray();
        Assert.StartsWith("t.trace:7: expected byte:6 got byte 0x05 at offset 0x0", lines[0]);
        Assert.StartsWith("t.trace:9: expected ok got fault", lines[1]);
        Assert.Equal("t.trace:10: expected atc gpu p 0x10000 present got absent", lines[2]);
    }

    [Fact]
    public void A_count_expectation_that_fails_reports_the_actual_count()
    {
        var r = Replay(Header + "expect count atc-inv >= 1\n");

        var f = Assert.Single(r.Failures);
        Assert.Equal("t.trace:5: expected count atc-inv >= 1 got 0", f.ToString()); // nothing was invalidated yet
    }

    [Fact]
    public void Counters_count_the_invalidations_a_munmap_of_a_cached_page_causes()
    {
        var r = Replay(Header +
            "mmap p 0x10000 4K rw\n" +
            "dma gpu p read 0x10000 4\n" +
            "munmap p 0x10000 4K\n" +
            "expect count atc-inv >= 1\n" +
            "expect count tlbi >= 1\n" +
            "expect count sync >= 1\n" +
            "expect count cfgi >= 1\n" + // bind installed a CD
            "expect count pri >= 1\n" + // the first DMA demand-faulted through PRI
            "expect count stale == 0\n");

        Assert.True(r.Passed, Failures(r));
        Assert.True(r.Counters.AtcInv >= 1);
        Assert.Equal(r.Counters.AtcInv, r.Counters[TraceCounter.AtcInv]); // the indexer reads the same counter
    }

    private const string SkipAtcInvTrace =
        "trace 1\n" +
        "machine inject=skip-atc-inv\n" +
        "process p\n" +
        "device gpu sid=0x10 ats pri\n" +
        "bind gpu p\n" +
        "mmap p 0x10000 4K rw\n" +
        "write p 0x10000 4K byte:1\n" +
        "dma gpu p read 0x10000 4K => byte:1\n" + // the ATC caches the translation
        "munmap p 0x10000 4K\n" + // line 9: the driver "forgets" CMD_ATC_INV
        "mmap p 0x10000 4K rw\n" +
        "dma gpu p read 0x10000 4K => any\n";

    [Fact]
    public void An_injected_missing_atc_inv_passes_when_the_trace_expects_the_oracle_to_fire()
    {
        var r = Replay(SkipAtcInvTrace + "expect count stale >= 1\n");

        Assert.True(r.Passed, Failures(r)); // the trace said staleness is the expected outcome
        Assert.True(r.Counters.Stale >= 1);
    }

    [Fact]
    public void An_injected_missing_atc_inv_fails_a_trace_that_does_not_expect_staleness()
    {
        var r = Replay(SkipAtcInvTrace);

        var f = Assert.Single(r.Failures);
        Assert.Equal(9, f.Line); // blamed on the statement after which the oracle first fired
        Assert.StartsWith("expected no stale access got ", f.Message);
        Assert.Contains("expect count stale", f.Message); // and tells the author how to expect it
    }

    [Fact]
    public void A_statement_on_a_device_that_could_not_be_added_is_a_failure_not_an_exception()
    {
        var r = Replay(
            "trace 1\n" +
            "machine ram=8K\n" + // two frames: enough for a page table root, not for the SMMU's queues
            "process p\n" +
            "device gpu sid=0x10 ats\n" + // line 4
            "bind gpu p\n"); // line 5

        Assert.Equal(5, r.StatementsRun); // nothing escaped as an exception
        Assert.Equal(2, r.Failures.Count);
        Assert.Equal("t.trace:4: expected device gpu added got error ENOMEM", r.Failures[0].ToString());
        Assert.StartsWith("t.trace:5: expected ok got device gpu was not added (error ENOMEM)", r.Failures[1].ToString());
    }

    [Fact]
    public void A_malformed_trace_is_refused_not_replayed()
    {
        var parsed = TraceParser.Parse("bad.trace", "trace 1\nbogus\n");

        Assert.Throws<ArgumentException>(() => TraceReplayer.Run("bad.trace", parsed)); // exit code 2 territory, not 1
    }
}

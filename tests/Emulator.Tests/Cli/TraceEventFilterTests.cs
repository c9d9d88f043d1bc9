using Emulator.Core.Diagnostics;

namespace Emulator.Tests.Cli;

/// <summary>The <c>--trace PATTERN[,PATTERN…]</c> filter and the catalogue it selects from.</summary>
public class TraceEventFilterTests
{
    private static string[] Names(ulong mask) =>
        [.. TraceEventCatalog.All.Where(e => (mask & (1UL << (int)e.Id)) != 0).Select(e => e.Name)];

    [Theory]
    [InlineData("smmu_cmd*", "smmu_cmd smmu_cmd_sync smmu_cmd_sync_done")]
    [InlineData("notifier_*", "notifier_invalidate_start notifier_secondary_tlbs notifier_invalidate_end")]
    [InlineData("atc_*", "atc_fill atc_inv atc_inv_complete")]
    [InlineData("board_*", "board_atc_inv board_sync board_sync_done board_frame_tx board_frame_rx")]
    [InlineData("pte_change,pri_*", "pte_change pri_request pri_response")]
    [InlineData("atc_inv?complete", "atc_inv_complete")]
    [InlineData("smmu_cmd", "smmu_cmd")]
    public void Patterns_select_exactly_the_events_they_name(string patterns, string expected)
    {
        Assert.True(TraceEventCatalog.TryParse(patterns, out ulong mask, out string? error), error);

        Assert.Equal(expected.Split(' '), Names(mask)); // a pattern without * is an exact name
    }

    [Fact]
    public void All_selects_every_event_and_the_catalogue_names_each_once()
    {
        Assert.True(TraceEventCatalog.TryParse("all", out ulong mask, out _));

        Assert.Equal(TraceEventCatalog.All.Count, Names(mask).Length);
        Assert.Equal(Enum.GetValues<TraceEventId>().Length, TraceEventCatalog.All.Count); // every trace point is listed
        Assert.Equal(TraceEventCatalog.All.Count, TraceEventCatalog.All.Select(e => e.Name).Distinct().Count());
        for (int i = 0; i < TraceEventCatalog.All.Count; i++)
        {
            Assert.Equal(i, (int)TraceEventCatalog.All[i].Id); // the table is indexed by id
        }
    }

    [Theory]
    [InlineData("smmu_cdm*")]
    [InlineData("nothing")]
    [InlineData(",")]
    public void A_pattern_that_matches_nothing_is_an_error(string patterns)
    {
        Assert.False(TraceEventCatalog.TryParse(patterns, out _, out string? error));
        Assert.Contains("--trace list", error); // points the user at the list
    }

    [Fact]
    public void The_command_line_lists_the_events_and_refuses_a_typo_with_2()
    {
        var list = CliProcess.Emulator("boot", "--trace", "list");
        var typo = CliProcess.Emulator("replay", "--trace", "smmu_cdm*", "x.trace");

        Assert.Equal(0, list.Rc);
        Assert.Contains("atc_inv_complete", list.Out);
        Assert.Equal(2, typo.Rc);
        Assert.Contains("'smmu_cdm*' matches no trace event", typo.Err);
    }

    [Fact]
    public void With_no_session_nothing_is_recorded_and_events_stay_on_their_thread()
    {
        var sink = new Collect();
        using var session = new TraceSession();
        session.Add(sink);

        TraceEvents.Emit(TraceEventId.PteChange, 1, 2, 3, 0); // no session bound on this thread yet
        session.Bind();
        TraceEvents.Emit(TraceEventId.PteChange, 1, 2, 3, 0);
        var other = new Thread(() => TraceEvents.Emit(TraceEventId.AtcInv, TraceAgentKind.Device, 1, 1));
        other.Start();
        other.Join();
        session.Unbind();
        TraceEvents.Emit(TraceEventId.PteChange, 1, 2, 3, 0);

        var e = Assert.Single(sink.Events); // only the event emitted on the bound thread while bound
        Assert.Equal(TraceEventId.PteChange, e.Id);
        Assert.Equal(1, e.Time); // the clock starts at the first event
    }

    private sealed class Collect : ITraceSink
    {
        public List<TraceEvent> Events { get; } = [];

        public void Write(in TraceEvent e) => Events.Add(e);
    }
}

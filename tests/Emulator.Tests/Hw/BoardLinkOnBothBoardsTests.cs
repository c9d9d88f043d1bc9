using Emulator.Board;
using Emulator.Core.Pcie;
using Emulator.Core.Wire;

namespace Emulator.Tests.Hw;

/// <summary>The host end (<see cref="BoardLink"/>) against both boards: completion only on the board's
/// word, NAK and resend when frames are damaged on the wire in either direction, and reconnect with
/// re-send when the connection is cut mid-batch. Each test ends by dumping the board's ATC over a clean
/// connection: exactly the odd pages remain, so no invalidation was lost and none over-applied.</summary>
public class BoardLinkOnBothBoardsTests
{
    private static readonly TimeSpan Long = TimeSpan.FromSeconds(20); // a hang guard, never reached when correct

    private static BoardOptions Fast => new()
    {
        ResendAfter = TimeSpan.FromMilliseconds(50),
        SyncTimeout = Long,
        HeartbeatInterval = TimeSpan.Zero,
        HostName = "test",
    };

    private const int Pages = 16;

    private static AtcEntry Entry(int page) =>
        new(5, 0x10000 + (ulong)page * 0x1000, 12, 0x8000_0000 + (ulong)page * 0x1000, AtsPermissions.Read | AtsPermissions.Write, false, 0);

    private static void FillAll(HwBoard board)
    {
        using var link = new BoardLink(board.Connector, Fast);
        for (int i = 0; i < Pages; i++) link.Fill(1, Entry(i));
        var entries = new List<AtcDumpEntry>();
        Assert.True(link.Dump(1, entries, out _, Long), link.LastError); // the dump follows the buffered fills
        Assert.Equal(Pages, entries.Count);
    }

    private static void InvalidateEven(BoardLink link)
    {
        for (int i = 0; i < Pages; i += 2) link.Invalidate(new AtcInvalidation(1, 5, false, 0x10000 + (ulong)i * 0x1000, 12));
    }

    private static void AssertOnlyOddPagesRemain(HwBoard board)
    {
        using var link = new BoardLink(board.Connector, Fast);
        var entries = new List<AtcDumpEntry>();
        Assert.True(link.Dump(1, entries, out _, Long), link.LastError);
        Assert.Equal(Enumerable.Range(0, Pages).Where(i => i % 2 == 1).Select(i => 0x10000ul + (ulong)i * 0x1000), entries.Select(e => e.Va).Order());
    }

    [Theory, InlineData("stub"), RtlBoardData]
    public async Task Invalidations_complete_on_sync_and_leave_the_boards_atc(string kind)
    {
        await using var board = await HwBoard.StartAsync(kind);
        FillAll(board);
        using (var link = new BoardLink(board.Connector, Fast))
        {
            Assert.True(link.Caps.AtcEntries >= Pages);
            InvalidateEven(link);
            Assert.Equal(AtcSyncResult.Complete, link.Sync(Long));
            Assert.Equal(0, link.Pending);
            Assert.Equal(0, link.Stats.Resent); // a clean wire: nothing resent
        }
        AssertOnlyOddPagesRemain(board);
    }

    [Theory, InlineData("stub"), RtlBoardData]
    public async Task Bits_flipped_on_the_wire_both_ways_are_NAKed_or_timed_out_and_resent(string kind)
    {
        await using var board = await HwBoard.StartAsync(kind);
        FillAll(board);
        // everyIn above 64: a frame longer than the period could never cross undamaged (the stub's CAPS,
        // with its limits, is 64 bytes).
        var wire = new CorruptingConnector(board.Connector, everyOut: 97, everyIn: 67);
        using (var link = new BoardLink(wire, Fast))
        {
            for (int round = 0; round < 3; round++)
            {
                InvalidateEven(link);
                Assert.Equal(AtcSyncResult.Complete, link.Sync(Long)); // completion despite the damage
            }
            Assert.True(wire.DamagedOut > 0 && wire.DamagedIn > 0, "the wire damaged bytes both ways");
            Assert.True(link.Stats.Resent > 0, $"{kind}: recovery resent frames ({link.Stats})");
        }
        AssertOnlyOddPagesRemain(board);
    }

    [Theory, InlineData("stub"), RtlBoardData]
    public async Task A_connection_cut_mid_batch_is_reopened_and_the_pending_invalidations_resent(string kind)
    {
        await using var board = await HwBoard.StartAsync(kind);
        FillAll(board);
        var wire = new CorruptingConnector(board.Connector, everyOut: 0, everyIn: 0);
        using (var link = new BoardLink(wire, Fast))
        {
            link.Invalidate(new AtcInvalidation(1, 5, false, 0x10000, 12));
            await wire.CutAsync();
            for (int i = 2; i < Pages; i += 2) link.Invalidate(new AtcInvalidation(1, 5, false, 0x10000 + (ulong)i * 0x1000, 12));
            Assert.Equal(AtcSyncResult.Complete, link.Sync(Long));
            Assert.True(wire.Connections >= 2 && link.Stats.Reconnects >= 1, $"{kind}: {link.Stats}");
        }
        AssertOnlyOddPagesRemain(board);
    }

    [VerilatorFact]
    public async Task The_simulators_own_corruption_switches_are_survived_too()
    {
        await using var board = await HwBoard.StartAsync("rtl", "--corrupt-rx-every", "89", "--corrupt-tx-every", "53");
        using var link = new BoardLink(board.Connector, Fast);
        for (int round = 0; round < 3; round++)
        {
            InvalidateEven(link);
            Assert.Equal(AtcSyncResult.Complete, link.Sync(Long));
        }
        Assert.True(link.Stats.Resent > 0 && link.Stats.BadFrames > 0, link.Stats.ToString());
    }
}

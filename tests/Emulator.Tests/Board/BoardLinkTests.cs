using System.Net;
using Emulator.Board;
using Emulator.Board.Transport;
using Emulator.Core.Pcie;
using Emulator.Core.Wire;
using Emulator.FirmwareStub;

namespace Emulator.Tests.Board;

/// <summary><see cref="BoardLink"/> against the real software board: completion only on the board's
/// word, and every fault the stub can inject survived without losing an invalidation.</summary>
public class BoardLinkTests
{
    private static readonly TimeSpan Long = TimeSpan.FromSeconds(10); // a hang guard, never reached when correct

    /// <summary>Short resend interval so loss recovery is quick; heartbeats off so frame counts are exact.</summary>
    private static BoardOptions Fast => new()
    {
        ResendAfter = TimeSpan.FromMilliseconds(20),
        SyncTimeout = Long,
        HeartbeatInterval = TimeSpan.Zero,
        HostName = "test",
    };

    private static AtcEntry Entry(uint pasid, ulong va) =>
        new(pasid, va, 12, 0x8000_0000 + va, AtsPermissions.Read | AtsPermissions.Write, false, 0);

    /// <summary>Fills <paramref name="pages"/> pages of PASID 5 on sid 1 (through the link, or straight
    /// into <paramref name="board"/>'s ATC when the link is lossy: fills are not re-sent), then
    /// invalidates the even ones.</summary>
    private static void FillThenInvalidateEven(BoardLink link, int pages, SoftBoard? board = null)
    {
        for (int i = 0; i < pages; i++)
        {
            if (board is null)
            {
                link.Fill(1, Entry(5, 0x10000 + (ulong)i * 0x1000));
            }
            else
            {
                board.GetAtc(1).Insert(Entry(5, 0x10000 + (ulong)i * 0x1000));
            }
        }
        for (int i = 0; i < pages; i += 2)
        {
            link.Invalidate(new AtcInvalidation(1, 5, false, 0x10000 + (ulong)i * 0x1000, 12));
        }
    }

    /// <summary>The board's ATC holds exactly the odd pages: no invalidation was lost, none over-applied.</summary>
    private static void AssertOnlyOddPagesRemain(SoftBoard board, int pages)
    {
        var atc = board.GetAtc(1);
        for (int i = 0; i < pages; i++)
        {
            Assert.True(atc.Contains(5, 0x10000 + (ulong)i * 0x1000) == (i % 2 == 1), $"page {i}");
        }
    }

    [Fact]
    public void Handshake_reports_the_boards_capabilities()
    {
        var board = new SoftBoard(new SoftBoardOptions { BoardId = 0xfeed, MaxBatch = 64, MaxOutstanding = 128 });
        using var link = new BoardLink(new StubConnector(board), Fast);

        Assert.Equal(0xfeedUL, link.Caps.BoardId);
        Assert.Equal(64u, link.Caps.MaxBatch);
        Assert.Equal(128u, link.Caps.MaxOutstanding);
        Assert.Equal(ProtocolVersion.Current, link.Caps.Negotiated);
    }

    [Fact]
    public void Invalidations_complete_on_sync_and_leave_the_boards_atc()
    {
        var board = new SoftBoard();
        using var link = new BoardLink(new StubConnector(board), Fast);

        FillThenInvalidateEven(link, 16);
        var result = link.Sync(Long);

        Assert.Equal(AtcSyncResult.Complete, result);
        Assert.Equal(0, link.Pending);
        Assert.Equal(8, link.Stats.Completed); // each by its INV_COMPLETE
        AssertOnlyOddPagesRemain(board, 16);
        Assert.Equal(0, link.Stats.Resent); // a clean link re-sends nothing
    }

    [Fact]
    public void A_board_of_another_major_version_is_refused_with_both_versions_named()
    {
        var board = new SoftBoard(new SoftBoardOptions { Version = new ProtocolVersion(2, 0), CheckHostVersion = false });

        var e = Assert.Throws<BoardException>(() => new BoardLink(new StubConnector(board), Fast));

        Assert.Contains("refused: board speaks protocol 2.0, emulator speaks 1.0", e.Message);
    }

    [Fact]
    public void An_unreachable_board_is_a_board_exception_that_says_how_to_start_the_stub()
    {
        var probe = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        int port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop(); // nothing listens there now

        var e = Assert.Throws<BoardException>(() => new BoardLink(SocketConnector.Tcp("127.0.0.1", port), Fast));

        Assert.Contains($"127.0.0.1:{port}", e.Message);
        Assert.Contains("firmware stub", e.Message);
    }

    [Fact]
    public void A_board_that_never_completes_makes_sync_time_out_and_nothing_is_reported_complete()
    {
        var board = new SoftBoard(faults: new SoftBoardFaults { NeverComplete = true });
        using var link = new BoardLink(new StubConnector(board), Fast);

        FillThenInvalidateEven(link, 4);
        var first = link.Sync(TimeSpan.FromMilliseconds(150));

        Assert.Equal(AtcSyncResult.Timeout, first); // the SMMU turns this into CERROR_ATC_INV_SYNC
        Assert.Equal(2, link.Pending);              // still owed
        Assert.Equal(0, link.Stats.Completed);
        Assert.Equal(1, link.Stats.SyncTimeouts);

        board.Faults = SoftBoardFaults.None;        // the board recovers: the next SYNC collects them
        Assert.Equal(AtcSyncResult.Complete, link.Sync(Long));
        Assert.Equal(0, link.Pending);
        AssertOnlyOddPagesRemain(board, 4);
    }

    [Fact]
    public void Frames_the_board_silently_drops_are_detected_at_sync_ack_and_resent()
    {
        // Every third frame from the host vanishes without a NAK — as one whose magic was destroyed.
        var board = new SoftBoard(faults: new SoftBoardFaults { DropEveryNth = 3 });
        var connector = new StubConnector(board);
        using var link = new BoardLink(connector, Fast);

        // HELLO is frame 1, the 14 ATC_INVs frames 2..15 (5 of them dropped), the SYNC frame 16 (kept):
        // the SYNC_ACK arrives at once, and only the missing INV_COMPLETEs show the loss.
        FillThenInvalidateEven(link, 28, board);
        var result = link.Sync(Long);

        Assert.Equal(AtcSyncResult.Complete, result);
        Assert.True(connector.Sessions[0].FramesDropped >= 5);
        Assert.True(link.Stats.Resent >= 5);    // the dropped ATC_INVs were sent again...
        AssertOnlyOddPagesRemain(board, 28);    // ...and applied: a SYNC_ACK alone completed none of them
    }

    [Fact]
    public void Corrupted_completions_from_the_board_are_dropped_and_recovered()
    {
        // Every third frame the board sends is damaged. (Every second would be adversarial, not lossy: with
        // one INV_COMPLETE and one SYNC_ACK per round, it would hit the INV_COMPLETE every time.)
        var board = new SoftBoard(faults: new SoftBoardFaults { CorruptCrcEveryNthSent = 3 });
        using var link = new BoardLink(new StubConnector(board), Fast);

        FillThenInvalidateEven(link, 16, board);
        var result = link.Sync(Long);

        Assert.Equal(AtcSyncResult.Complete, result);
        Assert.True(link.Stats.BadFrames > 0);  // the board's damaged frames were seen and discarded
        Assert.Equal(0, link.Pending);
        AssertOnlyOddPagesRemain(board, 16);
    }

    [Fact]
    public void Delayed_replies_are_waited_for_not_resent_as_lost()
    {
        var board = new SoftBoard(faults: new SoftBoardFaults { ReplyDelay = TimeSpan.FromMilliseconds(5) });
        using var link = new BoardLink(new StubConnector(board), Fast with { ResendAfter = TimeSpan.FromSeconds(5) });

        FillThenInvalidateEven(link, 8);

        Assert.Equal(AtcSyncResult.Complete, link.Sync(Long));
        Assert.Equal(0, link.Stats.Resent);
        AssertOnlyOddPagesRemain(board, 8);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_disconnect_mid_batch_reconnects_and_loses_no_invalidation(bool escalate)
    {
        // The first session drops the connection after 6 frames (HELLO + 5 of the batch); later ones are clean.
        var board = new SoftBoard();
        var connector = new StubConnector(board)
        {
            OnConnect = n => board.Faults = n == 1 ? new SoftBoardFaults { DisconnectAfterFrames = 6 } : SoftBoardFaults.None,
        };
        using var link = new BoardLink(connector, Fast with { EscalateOnReconnect = escalate });
        for (int i = 0; i < 32; i++)
        {
            board.GetAtc(1).Insert(Entry(5, 0x10000 + (ulong)i * 0x1000)); // filled before the link's fills could be lost
        }

        for (int i = 0; i < 32; i += 2)
        {
            link.Invalidate(new AtcInvalidation(1, 5, false, 0x10000 + (ulong)i * 0x1000, 12));
        }
        var result = link.Sync(Long);

        Assert.Equal(AtcSyncResult.Complete, result);
        Assert.Equal(2, connector.Connections);
        Assert.Equal(1, link.Stats.Reconnects);
        Assert.Equal(0, link.Pending);
        if (escalate)
        {
            Assert.Equal(1, link.Stats.Escalations);
            Assert.Equal(0, board.GetAtc(1).Count); // RESET: the whole ATC invalidated
        }
        else
        {
            Assert.Equal(0, link.Stats.Escalations);
            Assert.True(link.Stats.Resent >= 16 - 5); // at least those the first session never saw
            AssertOnlyOddPagesRemain(board, 32);
        }
    }

    [Fact]
    public void A_board_that_stays_unplugged_makes_sync_time_out_with_the_reason_kept()
    {
        var board = new SoftBoard();
        var connector = new StubConnector(board)
        {
            OnConnect = n => board.Faults = n == 1 ? new SoftBoardFaults { DisconnectAfterFrames = 2 } : SoftBoardFaults.None,
            Unplugged = true,
        };
        using var link = new BoardLink(connector, Fast);

        link.Invalidate(new AtcInvalidation(1, 5, false, 0x10000, 12));
        link.Invalidate(new AtcInvalidation(1, 5, false, 0x20000, 12));
        var result = link.Sync(TimeSpan.FromMilliseconds(200));

        Assert.Equal(AtcSyncResult.Timeout, result);
        Assert.True(link.Pending >= 1);          // the one the board never received is still owed
        Assert.Contains("unplugged", link.LastError);
    }

    [Fact]
    public async Task Disposing_the_link_ends_a_waiting_sync_without_reconnecting()
    {
        var board = new SoftBoard(faults: new SoftBoardFaults { NeverComplete = true });
        var connector = new StubConnector(board);
        var link = new BoardLink(connector, Fast);
        link.Invalidate(new AtcInvalidation(1, 5, false, 0x10000, 12));
        var waiting = Task.Run(() => link.Sync(Long));
        while (connector.Sessions[0].Invalidations == 0)
        {
            await Task.Yield(); // until the board has the invalidation, so the SYNC is really waiting
        }

        link.Dispose();
        var result = await waiting.WaitAsync(TimeSpan.FromSeconds(5)); // long before the 10 s sync timeout

        Assert.Equal(AtcSyncResult.Timeout, result); // never Complete: the board did not acknowledge
        Assert.Equal(1, connector.Connections);
    }

    [Fact]
    public void Batches_larger_than_the_board_accepts_are_split_by_automatic_syncs()
    {
        var board = new SoftBoard(new SoftBoardOptions { MaxBatch = 8, MaxOutstanding = 8 });
        using var link = new BoardLink(new StubConnector(board), Fast);

        FillThenInvalidateEven(link, 100); // 50 invalidations, at most 8 per SYNC

        Assert.Equal(AtcSyncResult.Complete, link.Sync(Long));
        Assert.True(link.Stats.Syncs >= 6);
        Assert.Equal(0, link.Stats.Naks); // never more than the board accepts: no Busy
        AssertOnlyOddPagesRemain(board, 100);
    }

    [Fact]
    public void Dump_reads_the_boards_atc()
    {
        var board = new SoftBoard();
        using var link = new BoardLink(new StubConnector(board), Fast);
        link.Fill(3, Entry(7, 0x5000));
        link.Fill(3, Entry(7, 0x6000));

        var entries = new List<AtcDumpEntry>();
        Assert.True(link.Dump(3, entries, out bool truncated, Long));

        Assert.False(truncated);
        Assert.Equal([0x5000UL, 0x6000UL], entries.Select(e => e.Va).Order());
        Assert.All(entries, e => Assert.Equal(7u, e.Pasid));
    }

    [Fact]
    public void Reset_empties_the_boards_atc_and_completes_what_was_pending()
    {
        var board = new SoftBoard(faults: new SoftBoardFaults { NeverComplete = true });
        using var link = new BoardLink(new StubConnector(board), Fast);
        FillThenInvalidateEven(link, 4);
        Assert.Equal(2, link.Pending);

        board.Faults = SoftBoardFaults.None;
        Assert.True(link.Reset(Long));

        Assert.Equal(0, link.Pending);
        Assert.Equal(0, board.GetAtc(1).Count);
    }

    [Fact]
    public async Task Over_tcp_to_the_stub_server_invalidations_complete()
    {
        var board = new SoftBoard();
        await using var server = SoftBoardServer.Start(board, new IPEndPoint(IPAddress.Loopback, 0));
        using var link = new BoardLink(SocketConnector.Tcp(server.TcpEndPoint!), Fast);
        FillThenInvalidateEven(link, 64);

        Assert.Equal(AtcSyncResult.Complete, await Task.Run(() => link.Sync(Long)));
        AssertOnlyOddPagesRemain(board, 64);
    }
}

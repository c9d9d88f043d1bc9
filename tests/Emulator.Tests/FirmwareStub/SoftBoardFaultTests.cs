using System.Diagnostics;
using Emulator.Core.Wire;
using Emulator.FirmwareStub;

namespace Emulator.Tests.FirmwareStub;

/// <summary>Each fault switch does what it says, deterministically (counts, not chance), and can be
/// flipped in the middle of a session.</summary>
public class SoftBoardFaultTests
{
    public static TheoryData<string> Transports => BoardHarness.Transports;

    [Theory]
    [MemberData(nameof(Transports))]
    public async Task Every_second_sync_is_dropped_as_if_never_sent(string transport)
    {
        await using var h = await BoardHarness.StartAsync(transport);
        await h.Client.HandshakeAsync();
        h.Board.Faults = new SoftBoardFaults { DropEveryNth = 2, DropType = MessageType.Sync };
        for (uint fence = 1; fence <= 4; fence++)
            h.Client.Queue(new SyncPayload(fence));
        h.Client.Queue(new HeartbeatPayload(99)); // not a SYNC: not counted, not dropped
        await h.Client.FlushAsync();
        Assert.Equal(1u, (await h.Client.ExpectAsync(MessageType.SyncAck)).SyncAck().FenceId);
        Assert.Equal(3u, (await h.Client.ExpectAsync(MessageType.SyncAck)).SyncAck().FenceId); // 2 and 4 dropped, no NAK
        Assert.Equal(99ul, (await h.Client.ExpectAsync(MessageType.Heartbeat)).Heartbeat().TimestampNs);
    }

    [Fact]
    public async Task Without_a_type_every_nth_frame_of_any_type_is_dropped()
    {
        await using var h = await BoardHarness.StartAsync("pipe", faults: new SoftBoardFaults { DropEveryNth = 3 });
        for (ulong i = 1; i <= 7; i++)
            h.Client.Queue(new HeartbeatPayload(i));
        await h.Client.FlushAsync();
        foreach (ulong expected in new ulong[] { 1, 2, 4, 5, 7 })
            Assert.Equal(expected, (await h.Client.ExpectAsync(MessageType.Heartbeat)).Heartbeat().TimestampNs);
    }

    [Fact]
    public async Task A_dropped_invalidation_is_not_applied()
    {
        await using var h = await BoardHarness.StartAsync("pipe", faults: new SoftBoardFaults { DropEveryNth = 1, DropType = MessageType.AtcInv });
        await h.Client.HandshakeAsync();
        h.Client.Queue(new AtcFillPayload(1, new AtcDumpEntry(5, 0x1000, 12, 0x9000, WirePermissions.Read, false)));
        h.Client.Queue(new AtcInvPayload(1, 5, false, 0x1000, 12, 1));
        h.Client.Queue(new SyncPayload(1));
        await h.Client.FlushAsync();
        await h.Client.ExpectAsync(MessageType.SyncAck); // directly: no INV_COMPLETE, the ATC_INV never "arrived"
        Assert.Single(await h.Client.DumpAsync(1));
    }

    [Fact]
    public async Task Replies_are_held_for_the_delay()
    {
        var delay = TimeSpan.FromMilliseconds(150);
        await using var h = await BoardHarness.StartAsync("pipe", faults: new SoftBoardFaults { ReplyDelay = delay });
        var clock = Stopwatch.StartNew();
        await h.Client.SendAsync(new HeartbeatPayload(1));
        await h.Client.ExpectAsync(MessageType.Heartbeat);
        Assert.True(clock.Elapsed >= delay - TimeSpan.FromMilliseconds(5), $"answered after {clock.Elapsed.TotalMilliseconds} ms"); // timer granularity

        h.Board.Faults = SoftBoardFaults.None;
        await h.Client.SendAsync(new HeartbeatPayload(2)); // the new value applies from the next frame
        await h.Client.ExpectAsync(MessageType.Heartbeat);
    }

    [Theory]
    [MemberData(nameof(Transports))]
    public async Task The_crc_of_every_nth_sent_frame_is_corrupted(string transport)
    {
        await using var h = await BoardHarness.StartAsync(transport);
        h.Board.Faults = new SoftBoardFaults { CorruptCrcEveryNthSent = 2 };
        for (ulong i = 1; i <= 4; i++)
            h.Client.Queue(new HeartbeatPayload(i));
        await h.Client.FlushAsync();
        Assert.Equal(1ul, (await h.Client.ExpectAsync(MessageType.Heartbeat)).Heartbeat().TimestampNs);
        Received second = await h.Client.ReceiveAsync();
        Assert.Equal((FrameErrorKind.BadCrc, 1u), (second.Framing.Kind, second.Framing.Sequence)); // what the host would NAK
        Assert.Equal(3ul, (await h.Client.ExpectAsync(MessageType.Heartbeat)).Heartbeat().TimestampNs);
        Assert.Equal(FrameErrorKind.BadCrc, (await h.Client.ReceiveAsync()).Framing.Kind);
    }

    [Theory]
    [MemberData(nameof(Transports))]
    public async Task The_board_hangs_up_after_n_frames(string transport)
    {
        await using var h = await BoardHarness.StartAsync(transport, faults: new SoftBoardFaults { DisconnectAfterFrames = 3 });
        for (ulong i = 1; i <= 5; i++)
            h.Client.Queue(new HeartbeatPayload(i));
        await h.Client.FlushAsync();
        for (ulong i = 1; i <= 3; i++)
            Assert.Equal(i, (await h.Client.ExpectAsync(MessageType.Heartbeat)).Heartbeat().TimestampNs); // the 3rd is answered first
        await h.Client.ExpectClosedAsync();
        if (h.Session is not null)
            Assert.Equal(SoftBoardSessionEnd.FaultDisconnect, await h.Session);
        if (h.Server is not null)
        {
            // A reconnecting host gets a fresh session (which counts afresh).
            await using BoardTestClient again = await BoardHarness.ConnectAsync(h.Server);
            await again.HandshakeAsync();
        }
    }

    [Theory]
    [MemberData(nameof(Transports))]
    public async Task Never_complete_applies_invalidations_but_withholds_completion_until_switched_off(string transport)
    {
        await using var h = await BoardHarness.StartAsync(transport);
        await h.Client.HandshakeAsync();
        await h.Client.SendAsync(new AtcFillPayload(1, new AtcDumpEntry(5, 0x1000, 12, 0x9000, WirePermissions.Read, false)));
        h.Board.Faults = new SoftBoardFaults { NeverComplete = true };
        h.Client.Queue(new AtcInvPayload(1, 5, false, 0x1000, 12, 21));
        h.Client.Queue(new SyncPayload(1));
        h.Client.Queue(new HeartbeatPayload(5));
        await h.Client.FlushAsync();
        Assert.Equal(5ul, (await h.Client.ExpectAsync(MessageType.Heartbeat)).Heartbeat().TimestampNs); // no INV_COMPLETE, no SYNC_ACK before it
        Assert.Empty(await h.Client.DumpAsync(1));                                                       // but the entry is gone

        h.Board.Faults = SoftBoardFaults.None;
        await h.Client.SendAsync(new SyncPayload(2)); // the host's resend after its timeout
        Assert.Equal(new ushort[] { 21 }, (await h.Client.ExpectAsync(MessageType.InvComplete)).Itags()); // withheld, now reported
        Assert.Equal(2u, (await h.Client.ExpectAsync(MessageType.SyncAck)).SyncAck().FenceId);
    }

    [Fact]
    public async Task Counts_restart_when_the_faults_change()
    {
        await using var h = await BoardHarness.StartAsync("pipe", faults: new SoftBoardFaults { DropEveryNth = 2 });
        h.Client.Queue(new HeartbeatPayload(1)); // count 1: kept
        await h.Client.FlushAsync();
        await h.Client.ExpectAsync(MessageType.Heartbeat);
        h.Board.Faults = new SoftBoardFaults { DropEveryNth = 2 }; // equal, but a new value: counting starts over
        h.Client.Queue(new HeartbeatPayload(2)); // count 1 again: kept
        h.Client.Queue(new HeartbeatPayload(3)); // count 2: dropped
        h.Client.Queue(new HeartbeatPayload(4));
        await h.Client.FlushAsync();
        Assert.Equal(2ul, (await h.Client.ExpectAsync(MessageType.Heartbeat)).Heartbeat().TimestampNs);
        Assert.Equal(4ul, (await h.Client.ExpectAsync(MessageType.Heartbeat)).Heartbeat().TimestampNs);
    }

    [Fact]
    public void Negative_counts_and_delays_are_refused()
    {
        var board = new SoftBoard();
        Assert.Throws<ArgumentOutOfRangeException>(() => board.Faults = new SoftBoardFaults { DropEveryNth = -1 });
        Assert.Throws<ArgumentOutOfRangeException>(() => board.Faults = new SoftBoardFaults { ReplyDelay = TimeSpan.FromSeconds(-1) });
        Assert.Throws<ArgumentOutOfRangeException>(() => new SoftBoard(faults: new SoftBoardFaults { DisconnectAfterFrames = -3 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new SoftBoard(new SoftBoardOptions { MaxOutstanding = 0 }));
        Assert.True(board.Faults.IsNone);
    }
}

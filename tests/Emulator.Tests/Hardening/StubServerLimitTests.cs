using System.Net;
using System.Net.Sockets;
using Emulator.Board.Transport;
using Emulator.Core.Wire;
using Emulator.FirmwareStub;
using Emulator.Tests.FirmwareStub;

namespace Emulator.Tests.Hardening;

/// <summary>The stub as a server: every limit it announces in CAPS is enforced with an ERROR, not by
/// growing, and a connection that stalls is closed by a timeout.</summary>
public sealed class StubServerLimitTests
{
    private static async Task<BoardTestClient> ConnectAsync(SoftBoardServer server)
    {
        using var guard = new CancellationTokenSource(BoardTestClient.HangGuard);
        IBoardTransport transport = await SocketConnector.Tcp(server.TcpEndPoint!).ConnectAsync(guard.Token);
        return new BoardTestClient(transport.Input, transport.Output, transport.DisposeAsync);
    }

    private static SoftBoardServer Start(SoftBoardOptions options) => SoftBoardServer.Start(new SoftBoard(options), new IPEndPoint(IPAddress.Loopback, 0));

    [Fact]
    public async Task Caps_announces_the_limits_the_board_enforces()
    {
        await using var server = Start(new SoftBoardOptions { MaxSids = 8, MaxConnections = 3, IdleTimeout = TimeSpan.FromSeconds(7) });
        await using var client = await ConnectAsync(server);
        CapsPayload caps = await client.HandshakeAsync();
        // The limits ride after the 24 bytes of 1.0 CAPS: SIDs, entries in all (8 × (256 + 16)), connections, buffers, idle.
        Assert.Equal(new CapsLimits(8, 8 * 272, 3, SoftBoardOptions.MaxPendingBytes, 7000), caps.Limits);
    }

    [Fact]
    public async Task Fills_for_more_sids_than_the_limit_get_errors_and_do_not_grow_the_board()
    {
        await using var server = Start(new SoftBoardOptions { MaxSids = 8 });
        await using var client = await ConnectAsync(server);
        await client.HandshakeAsync();
        var entry = new AtcDumpEntry(AtcInvPayload.NoPasid, 0x10000, 12, 0x5000, WirePermissions.Read, false);
        for (uint sid = 0; sid < 20; sid++)
        {
            client.Queue(new AtcFillPayload(sid, entry));
        }
        client.Queue(new AtcFillPayload(3, new AtcDumpEntry(AtcInvPayload.NoPasid, 0x20000, 12, 0x6000, WirePermissions.Read, false))); // a SID it has still fills
        await client.SendAsync(new SyncPayload(1));
        for (uint sid = 8; sid < 20; sid++)
        {
            ErrorPayload error = (await client.ExpectAsync(MessageType.Error)).Error();
            // One ERROR overrun per refused fill, naming the SID and the limit.
            Assert.Equal(WireErrorCode.Overrun, error.Code);
            Assert.Contains($"sid 0x{sid:x}: the board keeps ATCs for at most 8 SIDs", error.Message, StringComparison.Ordinal);
        }
        await client.ExpectAsync(MessageType.SyncAck);
        // Eight ATCs, never more; the refused fills are counted; SID 3 took its second entry.
        Assert.Equal(8, server.Board.Sids().Length);
        Assert.Equal(12, server.Board.SidsRefused);
        Assert.Equal(2, (await client.DumpAsync(3)).Count);
    }

    [Fact]
    public async Task A_connection_over_the_limit_gets_an_error_and_is_closed_then_a_freed_place_is_served()
    {
        await using var server = Start(new SoftBoardOptions { MaxConnections = 2 });
        await using var first = await ConnectAsync(server);
        await using var second = await ConnectAsync(server);
        await first.HandshakeAsync();
        await second.HandshakeAsync();
        await using (var third = await ConnectAsync(server))
        {
            ErrorPayload error = (await third.ExpectAsync(MessageType.Error)).Error();
            // Refused at once, with the reason, and closed (no session, no thread for it).
            Assert.Equal(WireErrorCode.Overrun, error.Code);
            Assert.Equal("the board serves at most 2 connections (CAPS maxConnections); try again later", error.Message);
            await third.ExpectClosedAsync();
        }
        Assert.Equal(1, server.ConnectionsRefused);
        await first.DisposeAsync();
        await WaitUntil(() => server.ActiveSessions < 2);
        await using var fourth = await ConnectAsync(server);
        // The place freed is served again.
        Assert.Equal(SoftBoardOptions.DefaultBoardId, (await fourth.HandshakeAsync()).BoardId);
    }

    [Fact]
    public async Task A_connection_without_hello_is_closed_after_the_handshake_timeout_whatever_else_it_sends()
    {
        await using var server = Start(new SoftBoardOptions { HandshakeTimeout = TimeSpan.FromMilliseconds(400) });
        await using var client = await ConnectAsync(server);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        for (int i = 0; i < 3; i++)
        {
            // Heartbeats are answered but do not stand in for HELLO.
            await client.SendAsync(new HeartbeatPayload((ulong)i));
            await client.ExpectAsync(MessageType.Heartbeat);
            await Task.Delay(100);
        }
        ErrorPayload error = (await client.ExpectAsync(MessageType.Error)).Error();
        Assert.Equal("no HELLO within 0.4 s of connecting; closing", error.Message);
        await client.ExpectClosedAsync();
        Assert.InRange(clock.Elapsed, TimeSpan.FromMilliseconds(350), TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task A_silent_connection_is_closed_after_the_idle_timeout_and_heartbeats_keep_one_open()
    {
        await using var server = Start(new SoftBoardOptions { IdleTimeout = TimeSpan.FromMilliseconds(300) });
        await using var live = await ConnectAsync(server);
        await using var silent = await ConnectAsync(server);
        await live.HandshakeAsync();
        await silent.HandshakeAsync();
        for (int i = 0; i < 8; i++)
        {
            await live.SendAsync(new HeartbeatPayload((ulong)i));
            await live.ExpectAsync(MessageType.Heartbeat);
            await Task.Delay(100);
        }
        // The silent one was told and closed; the live one, 800 ms on, still answers.
        Assert.Equal("no frame for 0.3 s; closing", (await silent.ExpectAsync(MessageType.Error)).Error().Message);
        await silent.ExpectClosedAsync();
        await live.SendAsync(new SyncPayload(5));
        Assert.Equal(5u, (await live.ExpectAsync(MessageType.SyncAck)).SyncAck().FenceId);
    }

    [Fact]
    public async Task A_host_that_never_reads_its_replies_is_disconnected_and_costs_bounded_memory()
    {
        var options = new SoftBoardOptions { WriteTimeout = TimeSpan.FromMilliseconds(500) };
        var board = new SoftBoard(options);
        for (int i = 0; i < 272; i++)
        {
            board.GetAtc(1).Insert(new Emulator.Core.Pcie.AtcEntry(Emulator.Core.Pcie.AtcEntry.NoPasid, (ulong)i << 12, 12, (ulong)i << 12, Emulator.Core.Pcie.AtsPermissions.Read, false, 0));
        }
        await using var server = SoftBoardServer.Start(board, new IPEndPoint(IPAddress.Loopback, 0));
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { ReceiveBufferSize = 4096 };
        await socket.ConnectAsync(server.TcpEndPoint!);
        var frames = new byte[64 * 1024];
        int length = FrameCodec.WriteFrame(frames, 0, new HelloPayload(ProtocolVersion.Current, "never-reads"));
        while (length + 24 <= frames.Length)
        {
            length += FrameCodec.WriteFrame(frames.AsSpan(length), 1, new AtcDumpPayload(1)); // each asks for ~6.5 KiB
        }
        long before = GC.GetTotalMemory(forceFullCollection: true);
        using var guard = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        try
        {
            // 2,700 dumps a write (17 MiB of replies each): the board stops reading once it cannot send.
            for (int i = 0; i < 200 && !guard.IsCancellationRequested; i++)
            {
                await socket.SendAsync(frames.AsMemory(0, length), SocketFlags.None, guard.Token);
            }
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException)
        {
            // Closed by the board: what this test waits for.
        }
        await WaitUntil(() => server.ActiveSessions == 0);
        long grown = GC.GetTotalMemory(forceFullCollection: true) - before;
        // Disconnected by the write timeout, and what it cost is a few buffers, not the 3 GiB of replies it asked for.
        Assert.Equal(0, server.ActiveSessions);
        Assert.InRange(grown, long.MinValue, 32L << 20);
    }

    private static async Task WaitUntil(Func<bool> condition)
    {
        for (int i = 0; i < 400 && !condition(); i++)
        {
            await Task.Delay(25);
        }
        Assert.True(condition(), "timed out waiting");
    }
}

using System.Net;
using System.Net.Sockets;
using Emulator.Core.Wire;
using Emulator.FirmwareStub;

namespace Emulator.Tests.FirmwareStub;

/// <summary>The socket server: concurrent sessions, and no misbehaving client can take it down.</summary>
public class SoftBoardServerTests
{
    public static TheoryData<string> SocketTransports => ["tcp", "unix"];

    [Theory]
    [MemberData(nameof(SocketTransports))]
    public async Task Garbage_is_skipped_and_a_good_frame_behind_it_is_served(string transport)
    {
        const int Seed = 6061;
        var random = new Random(Seed);
        var garbage = new byte[4096];
        random.NextBytes(garbage);
        for (int i = 0; i < garbage.Length; i++)
            garbage[i] = garbage[i] == (byte)'S' ? (byte)0 : garbage[i]; // no magic candidate: nothing to NAK
        await using var h = await BoardHarness.StartAsync(transport);
        h.Client.QueueBytes(garbage);
        await h.Client.FlushAsync();
        CapsPayload caps = await h.Client.HandshakeAsync();
        Assert.True(caps.MaxBatch > 0, $"seed {Seed}");
    }

    [Theory]
    [MemberData(nameof(SocketTransports))]
    public async Task Abrupt_disconnects_leave_the_server_serving(string transport)
    {
        await using var h = await BoardHarness.StartAsync(transport);
        SoftBoardServer server = h.Server!;

        // Half a frame, then gone.
        await using (BoardTestClient half = await BoardHarness.ConnectAsync(server))
        {
            half.QueueBytes(half.Build(new SyncPayload(1)).AsSpan(0, 11));
            await half.FlushAsync();
        }
        // A reset (linger 0) in the middle of a session.
        using (var raw = new Socket(transport == "tcp" ? AddressFamily.InterNetwork : AddressFamily.Unix, SocketType.Stream,
            transport == "tcp" ? ProtocolType.Tcp : ProtocolType.Unspecified))
        {
            await raw.ConnectAsync(transport == "tcp" ? server.TcpEndPoint! : new UnixDomainSocketEndPoint(server.UnixPath!));
            var hello = new byte[64];
            int length = FrameCodec.WriteFrame(hello, 0, new HelloPayload(ProtocolVersion.Current, "rst"));
            await raw.SendAsync(hello.AsMemory(0, length));
            if (transport == "tcp")
                raw.LingerState = new LingerOption(true, 0); // close with RST
        }
        // The client that was there all along, and a new one, are both served.
        await h.Client.HandshakeAsync();
        await using BoardTestClient late = await BoardHarness.ConnectAsync(server);
        await late.HandshakeAsync();
        Assert.True(server.ConnectionsAccepted >= 4);
    }

    [Fact]
    public async Task Concurrent_sessions_share_the_board_but_not_their_sequence_numbers()
    {
        await using var h = await BoardHarness.StartAsync("tcp");
        await using BoardTestClient second = await BoardHarness.ConnectAsync(h.Server!);
        await h.Client.HandshakeAsync();
        await h.Client.SendAsync(new AtcFillPayload(4, new AtcDumpEntry(1, 0x5000, 12, 0x6000, WirePermissions.Read, false)));
        await second.SendAsync(new HelloPayload(ProtocolVersion.Current, "second"));
        Assert.Equal(0u, (await second.ExpectAsync(MessageType.Caps)).Sequence); // its own counter
        Assert.Single(await h.Client.DumpAsync(4)); // our fill has been handled (the dump behind it was)
        Assert.Single(await second.DumpAsync(4));   // the ATCs are the board's, not the connection's
    }

    [Theory]
    [MemberData(nameof(SocketTransports))]
    public async Task Disposing_the_server_closes_its_connections_and_removes_the_socket_file(string transport)
    {
        var board = new SoftBoard();
        string? path = transport == "unix" ? BoardHarness.TempSocketPath() : null;
        SoftBoardServer server = path is null ? SoftBoardServer.Start(board, new IPEndPoint(IPAddress.Loopback, 0)) : SoftBoardServer.Start(board, unixPath: path);
        await using BoardTestClient client = await BoardHarness.ConnectAsync(server);
        await client.HandshakeAsync();
        await server.DisposeAsync().AsTask().WaitAsync(BoardTestClient.HangGuard);
        await client.ExpectClosedAsync();
        Assert.Equal(0, server.ActiveSessions);
        if (path is not null)
            Assert.False(File.Exists(path));
    }

    [Fact]
    public async Task An_existing_socket_path_is_refused_with_a_hint_and_left_alone()
    {
        string path = BoardHarness.TempSocketPath();
        await using (SoftBoardServer live = SoftBoardServer.Start(new SoftBoard(), unixPath: path))
        {
            IOException e = Assert.Throws<IOException>(() => SoftBoardServer.Start(new SoftBoard(), unixPath: path));
            Assert.Contains("unix " + path, e.Message);
            Assert.Contains($"remove {path} if no firmware stub is running", e.Message);
            await using BoardTestClient client = await BoardHarness.ConnectAsync(live); // the live one is untouched
            await client.HandshakeAsync();
        }
        File.WriteAllText(path, "not a socket");
        try
        {
            Assert.Throws<IOException>(() => SoftBoardServer.Start(new SoftBoard(), unixPath: path));
            Assert.Equal("not a socket", File.ReadAllText(path)); // never deleted
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public async Task A_port_in_use_is_an_IOException_naming_it()
    {
        await using SoftBoardServer first = SoftBoardServer.Start(new SoftBoard(), new IPEndPoint(IPAddress.Loopback, 0));
        IOException e = Assert.Throws<IOException>(() => SoftBoardServer.Start(new SoftBoard(), first.TcpEndPoint));
        Assert.Contains("tcp " + first.TcpEndPoint, e.Message);
        Assert.Throws<ArgumentException>(() => SoftBoardServer.Start(new SoftBoard()));
    }
}

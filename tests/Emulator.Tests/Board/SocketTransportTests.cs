using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using Emulator.Board.Transport;
using Emulator.Core.Wire;
using Emulator.FirmwareStub;
using Emulator.Tests.FirmwareStub;

namespace Emulator.Tests.Board;

/// <summary>The socket transport and connector: address syntax, the message when nothing listens, and
/// clean disposal. (Frames over them are exercised by the firmware stub tests.)</summary>
public class SocketTransportTests
{
    [Theory]
    [InlineData("tcp:127.0.0.1:7700", "tcp 127.0.0.1:7700")]
    [InlineData("tcp:[::1]:7700", "tcp [::1]:7700")]
    [InlineData("tcp:localhost:1", "tcp localhost:1")]
    [InlineData("tcp:board.lab:65535", "tcp board.lab:65535")]
    [InlineData("unix:/run/sva-board.sock", "unix /run/sva-board.sock")]
    [InlineData("unix:relative/b:c.sock", "unix relative/b:c.sock")] // the path is verbatim, colons and all
    public void Addresses_parse_into_connectors_with_transport_descriptions(string address, string description)
    {
        Assert.True(SocketConnector.TryParse(address, out SocketConnector? connector, out string? error), error);
        Assert.Equal(description, connector.Description);
    }

    [Theory]
    [InlineData("", "expected tcp:HOST:PORT or unix:PATH")]
    [InlineData("udp:1.2.3.4:5", "expected tcp:HOST:PORT or unix:PATH")]
    [InlineData("127.0.0.1:7700", "expected tcp:HOST:PORT or unix:PATH")]
    [InlineData("tcp:1.2.3.4", "expected tcp:HOST:PORT")]
    [InlineData("tcp:1.2.3.4:0", "port 1..65535")]
    [InlineData("tcp:1.2.3.4:65536", "port 1..65535")]
    [InlineData("tcp:1.2.3.4:x", "port 1..65535")]
    [InlineData("tcp::7700", "expected tcp:HOST:PORT")]
    [InlineData("tcp:::1:7700", "in brackets")]
    [InlineData("tcp:[1.2.3.4]:7700", "not an IPv6 address")]
    [InlineData("unix:", "path is empty")]
    public void Bad_addresses_are_refused_with_a_reason(string address, string reason)
    {
        Assert.False(SocketConnector.TryParse(address, out _, out string? error));
        Assert.Contains(reason, error);
        Assert.Contains($"'{address}'", error);
    }

    [Fact]
    public async Task Connection_refused_names_the_address_and_how_to_start_the_stub()
    {
        // Bound but not listening: the port is ours, and a connect to it is refused.
        using var placeholder = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        placeholder.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        var endPoint = (IPEndPoint)placeholder.LocalEndPoint!;
        SocketConnector connector = SocketConnector.Tcp(endPoint);
        IOException e = await Assert.ThrowsAsync<IOException>(async () => await connector.ConnectAsync(CancellationToken.None));
        Assert.Contains($"tcp 127.0.0.1:{endPoint.Port}", e.Message);
        Assert.Contains("is the firmware stub running?", e.Message);
        Assert.Contains($"dotnet run --project firmware-stubs/Emulator.FirmwareStub -- --listen 127.0.0.1:{endPoint.Port}", e.Message);
        Assert.IsType<SocketException>(e.InnerException);
    }

    [Fact]
    public async Task A_missing_unix_socket_suggests_the_unix_option()
    {
        string path = BoardHarness.TempSocketPath();
        IOException e = await Assert.ThrowsAsync<IOException>(async () => await SocketConnector.Unix(path).ConnectAsync(CancellationToken.None));
        Assert.Contains("unix " + path, e.Message);
        Assert.Contains("-- --unix " + path, e.Message);
    }

    [Fact]
    public async Task A_tcp_transport_has_nodelay_and_round_trips_frames()
    {
        await using SoftBoardServer server = SoftBoardServer.Start(new SoftBoard(), new IPEndPoint(IPAddress.Loopback, 0));
        await using IBoardTransport transport = await SocketConnector.Tcp(server.TcpEndPoint!).ConnectAsync(CancellationToken.None);
        Assert.Equal($"tcp {server.TcpEndPoint}", transport.Description);
        var client = new BoardTestClient(transport.Input, transport.Output);
        await client.SendAsync(new HeartbeatPayload(42));
        Assert.Equal(42ul, (await client.ExpectAsync(MessageType.Heartbeat)).Heartbeat().TimestampNs);
    }

    [Fact]
    public async Task Disposing_ends_a_pending_read_and_can_be_repeated()
    {
        await using SoftBoardServer server = SoftBoardServer.Start(new SoftBoard(), new IPEndPoint(IPAddress.Loopback, 0));
        IBoardTransport transport = await SocketConnector.Tcp(server.TcpEndPoint!).ConnectAsync(CancellationToken.None);
        ValueTask<ReadResult> pending = transport.Input.ReadAsync(); // the board says nothing unprompted
        await transport.DisposeAsync();
        await transport.DisposeAsync();
        try
        {
            ReadResult result = await pending.AsTask().WaitAsync(BoardTestClient.HangGuard);
            Assert.True(result.IsCanceled || result.IsCompleted);
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or InvalidOperationException or OperationCanceledException)
        {
            // Also an end: the read did not hang.
        }
    }

    [Fact]
    public void A_socket_must_be_connected()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        Assert.Throws<ArgumentException>(() => new SocketTransport(socket, "tcp nowhere"));
    }
}

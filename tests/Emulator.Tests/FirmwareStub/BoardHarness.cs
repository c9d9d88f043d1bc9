using System.IO.Pipelines;
using System.Net;
using Emulator.Board.Transport;
using Emulator.FirmwareStub;

namespace Emulator.Tests.FirmwareStub;

/// <summary>A board and a connected <see cref="BoardTestClient"/> over one of three transports: "pipe"
/// (an in-process session over two <see cref="Pipe"/>s), "tcp" (loopback, ephemeral port) or "unix"
/// (a socket in the temp directory) — the last two through <see cref="SoftBoardServer"/> and
/// <see cref="SocketConnector"/>, as the board backend will use them.</summary>
internal sealed class BoardHarness : IAsyncDisposable
{
    public static readonly TheoryData<string> Transports = ["pipe", "tcp", "unix"];

    private static readonly PipeOptions InProcess = new(useSynchronizationContext: false);

    private BoardHarness(SoftBoard board, BoardTestClient client, SoftBoardServer? server, Task<SoftBoardSessionEnd>? session)
    {
        Board = board;
        Client = client;
        Server = server;
        Session = session;
    }

    public SoftBoard Board { get; }
    public BoardTestClient Client { get; }
    public SoftBoardServer? Server { get; }

    /// <summary>The in-process session's run (pipe only).</summary>
    public Task<SoftBoardSessionEnd>? Session { get; }

    public static async Task<BoardHarness> StartAsync(string transport, SoftBoardOptions? options = null, SoftBoardFaults? faults = null)
    {
        var board = new SoftBoard(options, faults);
        if (transport == "pipe")
        {
            var toBoard = new Pipe(InProcess);
            var toHost = new Pipe(InProcess);
            SoftBoardSession session = board.CreateSession(toBoard.Reader, toHost.Writer);
            Task<SoftBoardSessionEnd> run = Task.Run(() => session.RunAsync());
            return new BoardHarness(board, new BoardTestClient(toHost.Reader, toBoard.Writer), null, run);
        }
        SoftBoardServer server = transport == "tcp"
            ? SoftBoardServer.Start(board, new IPEndPoint(IPAddress.Loopback, 0))
            : SoftBoardServer.Start(board, unixPath: TempSocketPath());
        return new BoardHarness(board, await ConnectAsync(server), server, null);
    }

    /// <summary>Another client of the same server.</summary>
    public static async Task<BoardTestClient> ConnectAsync(SoftBoardServer server)
    {
        SocketConnector connector = server.TcpEndPoint is { } tcp ? SocketConnector.Tcp(tcp) : SocketConnector.Unix(server.UnixPath!);
        using var guard = new CancellationTokenSource(BoardTestClient.HangGuard);
        IBoardTransport transport = await connector.ConnectAsync(guard.Token);
        return new BoardTestClient(transport.Input, transport.Output, transport.DisposeAsync);
    }

    /// <summary>Short enough for sun_path (108 bytes), unique per test.</summary>
    public static string TempSocketPath() => Path.Combine(Path.GetTempPath(), $"sb-{Guid.NewGuid():N}.sock");

    public async ValueTask DisposeAsync()
    {
        await Client.DisposeAsync();
        if (Session is not null)
            await Session.WaitAsync(BoardTestClient.HangGuard);
        if (Server is not null)
            await Server.DisposeAsync().AsTask().WaitAsync(BoardTestClient.HangGuard);
    }
}

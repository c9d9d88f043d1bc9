using Emulator.Board.Sim;
using Emulator.Board.Transport;
using Emulator.FirmwareStub;
using Emulator.Tests.FirmwareStub;

namespace Emulator.Tests.Hw;

/// <summary>One board of either kind serving a Unix socket: "stub", the software board
/// (<see cref="SoftBoardServer"/>), or "rtl", the gateware co-simulated by <c>board-sim</c>. The conformance
/// suites run every test against both, so the gateware is held to the stub's behaviour.</summary>
internal sealed class HwBoard : IAsyncDisposable
{
    private readonly SoftBoardServer? _server;
    private readonly BoardSimProcess? _sim;

    private HwBoard(string kind, string path, SoftBoardServer? server, BoardSimProcess? sim)
    {
        Kind = kind;
        UnixPath = path;
        _server = server;
        _sim = sim;
    }

    public string Kind { get; }

    public string UnixPath { get; }

    public SocketConnector Connector => SocketConnector.Unix(UnixPath);

    /// <summary>The simulator, for "rtl" (its cycle count is read after dispose).</summary>
    public BoardSimProcess? Sim => _sim;

    /// <param name="kind">"stub" or "rtl".</param>
    /// <param name="simArguments">More board-sim options (rtl only).</param>
    public static async Task<HwBoard> StartAsync(string kind, params string[] simArguments)
    {
        string path = HwSim.TempSocketPath();
        if (kind == "stub")
        {
            return new HwBoard(kind, path, SoftBoardServer.Start(new SoftBoard(), unixPath: path), null);
        }
        string binary = HwSim.Binary; // the first caller builds it: outside the start's time guard
        using var guard = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        return new HwBoard(kind, path, null, await BoardSimProcess.StartAsync(binary, path, extraArguments: simArguments, cancellationToken: guard.Token));
    }

    public async Task<BoardTestClient> ConnectAsync()
    {
        using var guard = new CancellationTokenSource(BoardTestClient.HangGuard);
        IBoardTransport transport = await Connector.ConnectAsync(guard.Token);
        return new BoardTestClient(transport.Input, transport.Output, transport.DisposeAsync);
    }

    public async ValueTask DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
        if (_sim is not null)
        {
            await _sim.DisposeAsync();
        }
    }
}

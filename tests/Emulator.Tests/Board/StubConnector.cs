using System.IO.Pipelines;
using Emulator.Board.Transport;
using Emulator.FirmwareStub;

namespace Emulator.Tests.Board;

/// <summary>Connects a <see cref="Emulator.Board.BoardLink"/> to the real software board in-process,
/// over a pair of <see cref="Pipe"/>s; each connect is a new session of the same board (whose ATCs
/// survive, as a real board's do). <see cref="OnConnect"/> runs before each session starts, so a test
/// can change the board's faults between connections.</summary>
internal sealed class StubConnector(SoftBoard board) : IBoardConnector
{
    private static readonly PipeOptions InProcess = new(useSynchronizationContext: false);
    private int _connections;

    public SoftBoard Board { get; } = board;
    public string Description => "stub (in-process)";
    public int Connections => Volatile.Read(ref _connections);
    public List<SoftBoardSession> Sessions { get; } = [];

    /// <summary>Called with the 1-based connection number before its session runs.</summary>
    public Action<int>? OnConnect { get; init; }

    /// <summary>When set, connections after the first fail (a board that stays unplugged).</summary>
    public bool Unplugged { get; set; }

    public ValueTask<IBoardTransport> ConnectAsync(CancellationToken cancellationToken)
    {
        int n = Interlocked.Increment(ref _connections);
        if (Unplugged && n > 1)
        {
            throw new IOException("stub: unplugged");
        }
        OnConnect?.Invoke(n);
        var toBoard = new Pipe(InProcess);
        var toHost = new Pipe(InProcess);
        var session = Board.CreateSession(toBoard.Reader, toHost.Writer, $"session {n}");
        lock (Sessions)
        {
            Sessions.Add(session);
        }
        _ = Task.Run(() => session.RunAsync());
        return ValueTask.FromResult<IBoardTransport>(new PipeTransport(toHost.Reader, toBoard.Writer, $"stub session {n}"));
    }

    private sealed class PipeTransport(PipeReader input, PipeWriter output, string description) : IBoardTransport
    {
        public string Description { get; } = description;
        public PipeReader Input { get; } = input;
        public PipeWriter Output { get; } = output;

        public async ValueTask DisposeAsync()
        {
            await Input.CompleteAsync();
            await Output.CompleteAsync();
        }
    }
}

using System.Buffers;
using System.IO.Pipelines;
using Emulator.Board.Transport;

namespace Emulator.Tests.Hw;

/// <summary>A connector that sits on the wire between a host and a board: it flips bit 0 of every Nth byte
/// the host sends and of every Mth byte the board sends (deterministic corruption, whatever the board is),
/// and can cut the current connection as an unplugged cable would.</summary>
internal sealed class CorruptingConnector(IBoardConnector inner, int everyOut, int everyIn) : IBoardConnector
{
    private static readonly PipeOptions InProcess = new(useSynchronizationContext: false);
    private readonly int _everyOut = everyOut;
    private readonly int _everyIn = everyIn;
    private Proxy? _current;
    private long _outBytes, _inBytes;

    public string Description => "corrupting " + inner.Description;

    public int Connections { get; private set; }

    /// <summary>Bytes damaged so far in each direction.</summary>
    public long DamagedOut => _everyOut > 0 ? Interlocked.Read(ref _outBytes) / _everyOut : 0;

    public long DamagedIn => _everyIn > 0 ? Interlocked.Read(ref _inBytes) / _everyIn : 0;

    public async ValueTask<IBoardTransport> ConnectAsync(CancellationToken cancellationToken)
    {
        IBoardTransport transport = await inner.ConnectAsync(cancellationToken);
        Connections++;
        var proxy = new Proxy(this, transport);
        _current = proxy;
        return proxy;
    }

    /// <summary>Closes the current connection under the host's feet.</summary>
    public ValueTask CutAsync() => _current?.Inner.DisposeAsync() ?? ValueTask.CompletedTask;

    private void Damage(Span<byte> bytes, ref long counter, int every)
    {
        if (every <= 0) return;
        for (int i = 0; i < bytes.Length; i++)
        {
            if (Interlocked.Increment(ref counter) % every == 0) bytes[i] ^= 1;
        }
    }

    private sealed class Proxy : IBoardTransport
    {
        private readonly Pipe _out = new(InProcess);
        private readonly Pipe _in = new(InProcess);
        private readonly Task _pumps;

        public Proxy(CorruptingConnector owner, IBoardTransport inner)
        {
            Inner = inner;
            _pumps = Task.WhenAll(
                Task.Run(() => PumpAsync(_out.Reader, inner.Output, owner, true)),
                Task.Run(() => PumpAsync(inner.Input, _in.Writer, owner, false)));
        }

        public IBoardTransport Inner { get; }
        public string Description => "corrupting " + Inner.Description;
        public PipeReader Input => _in.Reader;
        public PipeWriter Output => _out.Writer;

        private static async Task PumpAsync(PipeReader from, PipeWriter to, CorruptingConnector owner, bool outgoing)
        {
            try
            {
                while (true)
                {
                    ReadResult r = await from.ReadAsync();
                    foreach (ReadOnlyMemory<byte> segment in r.Buffer)
                    {
                        byte[] copy = segment.ToArray();
                        if (outgoing) owner.Damage(copy, ref owner._outBytes, owner._everyOut);
                        else owner.Damage(copy, ref owner._inBytes, owner._everyIn);
                        await to.WriteAsync(copy);
                    }
                    from.AdvanceTo(r.Buffer.End);
                    if (r.IsCompleted || r.IsCanceled) break;
                }
            }
            catch (Exception e) when (e is IOException or InvalidOperationException or OperationCanceledException or System.Net.Sockets.SocketException)
            {
                // the connection went away: end both sides
            }
            await to.CompleteAsync();
            await from.CompleteAsync();
        }

        public async ValueTask DisposeAsync()
        {
            await _out.Writer.CompleteAsync();
            await Inner.DisposeAsync();
            await _in.Reader.CompleteAsync();
            await _pumps.WaitAsync(TimeSpan.FromSeconds(10));
        }
    }
}

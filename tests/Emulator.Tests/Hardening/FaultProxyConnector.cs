using System.Buffers;
using System.IO.Pipelines;
using Emulator.Board.Transport;
using Emulator.Core.Wire;

namespace Emulator.Tests.Hardening;

/// <summary>What the proxy does with one frame.</summary>
public enum ProxyAction : byte
{
    Pass,
    Drop,

    /// <summary>Deliver it after <see cref="FaultProxyConnector.Delay"/> (and everything behind it).</summary>
    Delay,

    /// <summary>Close the connection both ways before it (an unplugged cable).</summary>
    Cut,
}

/// <summary>
/// A fault-injecting proxy between the host and a board: it delimits the frames of each direction
/// (bytes that do not make a frame pass through) and lets a test drop, delay, rewrite (CRC recomputed,
/// so the host sees a well-formed frame saying something else) or cut at any of them, and refuse new
/// connections (a board that is gone).
/// </summary>
internal sealed class FaultProxyConnector(IBoardConnector inner) : IBoardConnector
{
    private static readonly PipeOptions InProcess = new(useSynchronizationContext: false);

    public string Description => "proxy to " + inner.Description;

    /// <summary>Decides each board → host frame; it may rewrite the frame's bytes in place (the CRC is redone after).</summary>
    public Func<MessageType, byte[], ProxyAction>? FromBoard { get; set; }

    /// <summary>Decides each host → board frame.</summary>
    public Func<MessageType, byte[], ProxyAction>? FromHost { get; set; }

    /// <summary>How long <see cref="ProxyAction.Delay"/> holds a frame.</summary>
    public TimeSpan Delay { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>When set, new connections fail (the board is gone).</summary>
    public bool Refuse { get; set; }

    public int Connections { get; private set; }

    /// <summary>Frames the rules dropped, delayed or cut at.</summary>
    public int Interfered;

    public async ValueTask<IBoardTransport> ConnectAsync(CancellationToken cancellationToken)
    {
        if (Refuse)
        {
            throw new IOException("proxy: the board is gone");
        }
        IBoardTransport transport = await inner.ConnectAsync(cancellationToken);
        Connections++;
        return new Proxy(this, transport);
    }

    /// <summary>Sets bits in a frame's payload byte <paramref name="offset"/>; the caller's rule returns Pass.</summary>
    public static void SetPayloadBits(byte[] frame, int offset, byte bits) => frame[FrameHeader.Size + offset] |= bits;

    private sealed class Proxy : IBoardTransport
    {
        private readonly Pipe _out = new(InProcess);
        private readonly Pipe _in = new(InProcess);
        private readonly Task _pumps;
        private readonly CancellationTokenSource _cut = new();

        public Proxy(FaultProxyConnector owner, IBoardTransport inner)
        {
            Inner = inner;
            _pumps = Task.WhenAll(
                Task.Run(() => PumpAsync(_out.Reader, inner.Output, owner, fromBoard: false)),
                Task.Run(() => PumpAsync(inner.Input, _in.Writer, owner, fromBoard: true)));
        }

        public IBoardTransport Inner { get; }
        public string Description => "proxy to " + Inner.Description;
        public PipeReader Input => _in.Reader;
        public PipeWriter Output => _out.Writer;

        private async Task PumpAsync(PipeReader from, PipeWriter to, FaultProxyConnector owner, bool fromBoard)
        {
            try
            {
                while (true)
                {
                    ReadResult r = await from.ReadAsync(_cut.Token);
                    ReadOnlySequence<byte> buffer = r.Buffer;
                    while (true)
                    {
                        bool ok = FrameCodec.TryParseFrame(buffer, out Frame frame, out SequencePosition consumed, out _, out FrameError error);
                        if (!ok && !error.IsError)
                        {
                            break;
                        }
                        byte[] bytes = buffer.Slice(0, consumed).ToArray();
                        buffer = buffer.Slice(consumed);
                        // Read per frame: a test may change the rules mid-connection.
                        Func<MessageType, byte[], ProxyAction>? rule = fromBoard ? owner.FromBoard : owner.FromHost;
                        ProxyAction action = ok && rule is not null ? rule(frame.Type, bytes) : ProxyAction.Pass;
                        if (action != ProxyAction.Pass)
                        {
                            Interlocked.Increment(ref owner.Interfered);
                        }
                        if (action == ProxyAction.Cut)
                        {
                            await _cut.CancelAsync();
                            await Inner.DisposeAsync();
                            throw new OperationCanceledException();
                        }
                        if (action == ProxyAction.Drop)
                        {
                            continue;
                        }
                        if (action == ProxyAction.Delay)
                        {
                            await Task.Delay(owner.Delay, _cut.Token);
                        }
                        if (ok)
                        {
                            FrameCodec.CompleteFrame(bytes); // the rule may have rewritten it
                        }
                        await to.WriteAsync(bytes, _cut.Token);
                    }
                    from.AdvanceTo(buffer.Start, buffer.End);
                    if (r.IsCompleted || r.IsCanceled)
                    {
                        break;
                    }
                }
            }
            catch (Exception e) when (e is IOException or InvalidOperationException or OperationCanceledException or System.Net.Sockets.SocketException)
            {
                // The connection went away or was cut: end this direction.
            }
            await to.CompleteAsync();
            await from.CompleteAsync();
            // A cut ends the other direction too.
            await _cut.CancelAsync();
        }

        public async ValueTask DisposeAsync()
        {
            await _cut.CancelAsync();
            await _out.Writer.CompleteAsync();
            await Inner.DisposeAsync();
            await _in.Reader.CompleteAsync();
            await _pumps.WaitAsync(TimeSpan.FromSeconds(10));
        }
    }
}

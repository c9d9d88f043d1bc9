using System.Buffers;
using System.IO.Pipelines;
using Emulator.Board.Transport;
using Emulator.Core.Diagnostics;
using Emulator.Core.Wire;

namespace Emulator.Cli.Tracing;

/// <summary>
/// Traces the board link's wire frames (<c>board_frame_tx</c>, <c>board_frame_rx</c>) without touching
/// the link: each connection's bytes pass through a pump in each direction that forwards them unchanged
/// and parses a copy into frames for the trace. Used only while tracing.
/// </summary>
internal sealed class TracingConnector(IBoardConnector inner, TraceSession session) : IBoardConnector
{
    public string Description => inner.Description;

    public async ValueTask<IBoardTransport> ConnectAsync(CancellationToken cancellationToken) =>
        new Transport(await inner.ConnectAsync(cancellationToken).ConfigureAwait(false), session);

    private sealed class Transport : IBoardTransport
    {
        private readonly IBoardTransport _inner;
        private readonly TraceSession _session;
        private readonly Pipe _toBoard = new();
        private readonly Pipe _fromBoard = new();
        private readonly CancellationTokenSource _stop = new();
        private readonly Task _tx, _rx;

        public Transport(IBoardTransport inner, TraceSession session)
        {
            _inner = inner;
            _session = session;
            _tx = Task.Run(() => PumpAsync(_toBoard.Reader, inner.Output, TraceEventId.BoardFrameTx));
            _rx = Task.Run(() => PumpAsync(inner.Input, _fromBoard.Writer, TraceEventId.BoardFrameRx));
        }

        public string Description => _inner.Description;
        public PipeReader Input => _fromBoard.Reader;
        public PipeWriter Output => _toBoard.Writer;

        /// <summary>Forwards every byte from <paramref name="from"/> to <paramref name="to"/>, and traces the
        /// frames they hold. The end of either side (or an error) ends both.</summary>
        private async Task PumpAsync(PipeReader from, PipeWriter to, TraceEventId id)
        {
            var seen = new ArrayBufferWriter<byte>();
            Exception? failure = null;
            try
            {
                while (true)
                {
                    var read = await from.ReadAsync(_stop.Token).ConfigureAwait(false);
                    foreach (var segment in read.Buffer)
                    {
                        seen.Write(segment.Span);
                        await to.WriteAsync(segment, _stop.Token).ConfigureAwait(false);
                    }
                    from.AdvanceTo(read.Buffer.End);
                    Observe(seen, id);
                    if (read.IsCompleted)
                    {
                        break;
                    }
                }
            }
            catch (Exception e) when (e is OperationCanceledException or IOException or InvalidOperationException or System.Net.Sockets.SocketException)
            {
                failure = e is OperationCanceledException ? null : e;
            }
            await to.CompleteAsync(failure).ConfigureAwait(false);
            await from.CompleteAsync(failure).ConfigureAwait(false);
        }

        /// <summary>Emits one event per complete frame in <paramref name="seen"/> and keeps the rest.</summary>
        private void Observe(ArrayBufferWriter<byte> seen, TraceEventId id)
        {
            var buffer = new ReadOnlySequence<byte>(seen.WrittenMemory);
            long consumedBytes = 0;
            while (true)
            {
                bool ok = FrameCodec.TryParseFrame(buffer, out var frame, out var consumed, out _, out var error);
                if (!ok && !error.IsError)
                {
                    break; // needs more bytes
                }
                if (ok)
                {
                    _session.Emit(id, TraceAgentKind.Board, -1, (ulong)frame.Type, frame.Sequence, (ulong)frame.Payload.Length, 0, null);
                }
                consumedBytes += buffer.Slice(0, consumed).Length;
                buffer = buffer.Slice(consumed);
            }
            if (consumedBytes > 0)
            {
                byte[] rest = seen.WrittenSpan[(int)consumedBytes..].ToArray();
                seen.Clear();
                seen.Write(rest);
            }
        }

        public async ValueTask DisposeAsync()
        {
            _stop.Cancel();
            await _inner.DisposeAsync().ConfigureAwait(false);
            try
            {
                await Task.WhenAll(_tx, _rx).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or IOException)
            {
                // The connection is gone either way.
            }
            _stop.Dispose();
        }
    }
}

using System.Buffers;
using System.Diagnostics;
using System.IO.Pipelines;
using Emulator.Board.Transport;
using Emulator.Core.Diagnostics;
using Emulator.Core.Text;
using Emulator.Core.Wire;

namespace Emulator.Board;

public sealed partial class BoardLink
{
    /// <summary>Opens a transport and shakes hands (HELLO → CAPS, versions checked).</summary>
    /// <exception cref="BoardException">Unreachable, refused, or the handshake failed.</exception>
    private Connection Connect(DateTime deadline)
    {
        int generation;
        lock (_state)
        {
            generation = ++_generation;
        }
        using var cts = new CancellationTokenSource(Max(deadline - DateTime.UtcNow, TimeSpan.FromMilliseconds(1)));
        IBoardTransport transport;
        try
        {
            transport = _connector.ConnectAsync(cts.Token).AsTask().GetAwaiter().GetResult();
        }
        catch (OperationCanceledException)
        {
            throw new BoardException($"{_connector.Description}: no connection within {_options.ConnectTimeout.TotalSeconds:0.#} s");
        }
        catch (IOException e) when (e is not BoardException)
        {
            throw new BoardException(e.Message, e);
        }
        var c = new Connection(transport, generation);
        try
        {
            Handshake(c, cts.Token);
            return c;
        }
        catch
        {
            c.Close();
            throw;
        }
    }

    /// <summary>HELLO → CAPS. A damaged frame or a NAK may have been the CAPS or our HELLO, and a board
    /// answers a repeated HELLO with CAPS again: so HELLO is re-sent on either, and after
    /// <see cref="BoardOptions.ResendAfter"/> without an answer, until the connect deadline.</summary>
    private void Handshake(Connection c, CancellationToken ct)
    {
        try
        {
            SendHello(c, ct);
            while (true)
            {
                ReadResult read;
                using (var slice = CancellationTokenSource.CreateLinkedTokenSource(ct))
                {
                    slice.CancelAfter(_options.ResendAfter);
                    try
                    {
                        read = c.Input.ReadAsync(slice.Token).AsTask().GetAwaiter().GetResult();
                    }
                    catch (OperationCanceledException) when (!ct.IsCancellationRequested)
                    {
                        SendHello(c, ct); // no answer yet: the HELLO or its CAPS may be lost
                        continue;
                    }
                }
                var buffer = read.Buffer;
                bool resend = false;
                while (true)
                {
                    bool ok = FrameCodec.TryParseFrame(buffer, out var frame, out var consumed, out var examined, out var error);
                    if (!ok && !error.IsError)
                    {
                        c.Input.AdvanceTo(consumed, examined);
                        break;
                    }
                    buffer = buffer.Slice(consumed);
                    if (!ok)
                    {
                        Interlocked.Increment(ref _badFrames);
                        resend |= error.Kind != FrameErrorKind.BadMagic;
                        continue;
                    }
                    if (frame.Type == MessageType.Caps)
                    {
                        bool parsed = CapsPayload.TryRead(frame.Payload.ToArray(), out var caps);
                        if (frame.Version.Major != ProtocolVersion.Current.Major)
                        {
                            // The payload of another major may be laid out differently: the header decides,
                            // and the payload's own version is named only when it agrees.
                            c.Input.AdvanceTo(buffer.Start);
                            RefuseVersion(c, parsed && caps.Version.Major == frame.Version.Major
                                ? ProtocolVersion.Check(ProtocolVersion.Current, caps.Version).Refusal!
                                : $"refused: the board's CAPS frame is headed protocol {frame.Version}, emulator speaks {ProtocolVersion.Current}");
                        }
                        if (!parsed)
                        {
                            throw new BoardException($"{_connector.Description}: the board's CAPS is malformed ({frame.Payload.Length} bytes)");
                        }
                        var verdict = ProtocolVersion.Check(ProtocolVersion.Current, caps.Version);
                        if (!verdict.IsAccepted)
                        {
                            RefuseVersion(c, verdict.Refusal!);
                        }
                        c.Input.AdvanceTo(buffer.Start);
                        lock (_state)
                        {
                            _caps = new BoardCaps(caps.BoardId, caps.Version, verdict.Negotiated, caps.AtcEntries, caps.AtcWays, caps.MaxBatch, caps.MaxOutstanding, caps.Limits);
                        }
                        s_log.Info("{0}: {1}", _connector.Description, _caps);
                        return;
                    }
                    if (frame.Type == MessageType.Error)
                    {
                        var bytes = frame.Payload.ToArray();
                        string why = ErrorPayload.TryRead(bytes, out var err) ? $"{err.Code}: {SafeText.Escape(err.Message, ErrorPayload.MaxMessageBytes)}" : "malformed ERROR";
                        throw new BoardException($"{_connector.Description}: the board refused the handshake ({why})");
                    }
                    // A NAK of our HELLO: send it again. HEARTBEAT, anything else: not CAPS yet.
                    resend |= frame.Type == MessageType.Nak;
                }
                if (read.IsCompleted)
                {
                    throw new BoardException($"{_connector.Description}: the board closed the connection during the handshake");
                }
                if (resend)
                {
                    SendHello(c, ct);
                }
            }
        }
        catch (OperationCanceledException)
        {
            throw new BoardException($"{_connector.Description}: no CAPS within {_options.ConnectTimeout.TotalSeconds:0.#} s of HELLO (is it a board speaking this protocol?)");
        }
        catch (Exception e) when (e is IOException and not BoardException or InvalidDataException or System.Net.Sockets.SocketException)
        {
            throw new BoardException($"{_connector.Description}: handshake failed: {e.Message}", e);
        }
    }

    private void SendHello(Connection c, CancellationToken ct)
    {
        lock (_sendLock)
        {
            FrameCodec.WriteFrame(c.Output, (uint)++_tx, new HelloPayload(ProtocolVersion.Current, _options.HostName));
            c.Output.FlushAsync(ct).AsTask().GetAwaiter().GetResult();
        }
    }

    private void RefuseVersion(Connection c, string refusal)
    {
        try
        {
            lock (_sendLock)
            {
                FrameCodec.WriteFrame(c.Output, (uint)++_tx, new ErrorPayload(WireErrorCode.VersionRefused, refusal));
                c.Output.FlushAsync().AsTask().Wait(TimeSpan.FromSeconds(1));
            }
        }
        catch (Exception e) when (e is IOException or InvalidOperationException or AggregateException)
        {
            // The refusal is what matters; the ERROR frame is a courtesy.
        }
        throw new BoardException($"{_connector.Description}: {refusal}") { VersionRefused = true };
    }

    /// <summary>Reconnects after a lost connection, then re-sends the pending invalidations or escalates.</summary>
    /// <returns>False when the board could not be reached before <paramref name="deadline"/> (Stopwatch ticks).</returns>
    private bool TryReconnect(long deadline)
    {
        long left = deadline - Stopwatch.GetTimestamp();
        if (left <= 0 || Fatal is not null)
        {
            return false;
        }
        var until = DateTime.UtcNow + TimeSpan.FromSeconds((double)left / Stopwatch.Frequency);
        Connection c;
        try
        {
            c = Connect(until);
        }
        catch (BoardException e)
        {
            lock (_state)
            {
                if (e.VersionRefused)
                {
                    // A board that came back speaking another protocol is not the board we verified.
                    ViolationLocked("on reconnecting: " + e.Message);
                    return false;
                }
                _lastError = e.Message;
                // Wait a little before trying again, so a board being re-plugged is not hammered.
                Monitor.Wait(_state, TimeSpan.FromMilliseconds(Math.Min(50, Math.Max(1, left * 1000 / Stopwatch.Frequency))));
            }
            return false;
        }
        Interlocked.Increment(ref _reconnects);
        bool escalate;
        lock (_state)
        {
            _connection = c;
            escalate = _options.EscalateOnReconnect || _pending.Count > (int)Math.Min(_caps!.MaxOutstanding, 65_536u);
        }
        c.StartReceiving(this);
        s_log.Info("{0}: reconnected; {1} pending invalidations: {2}", _connector.Description, Pending, escalate ? "whole-ATC invalidation (RESET)" : "re-sent");
        if (escalate)
        {
            lock (_sendLock)
            {
                if (TryWrite(c, default(ResetPayload), out long tx))
                {
                    lock (_state)
                    {
                        c.ResetTx = tx;
                    }
                    Flush(c);
                }
            }
            Interlocked.Increment(ref _escalations);
        }
        else
        {
            ResendPending(long.MaxValue, all: true);
        }
        return true;
    }

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;

    /// <summary>One open transport and its receive loop.</summary>
    private sealed class Connection(IBoardTransport transport, int generation)
    {
        private readonly CancellationTokenSource _cts = new();
        private int _closed;

        public int Generation { get; } = generation;
        public PipeReader Input => transport.Input;
        public PipeWriter Output => transport.Output;
        public string Description => transport.Description;

        /// <summary>The RESET sent after an escalating reconnect (0: none); its RESET_ACK completes every
        /// invalidation pending then. Under the link's state lock.</summary>
        public long ResetTx;

        public void StartReceiving(BoardLink link) =>
            _ = Task.Factory.StartNew(() => link.ReceiveLoop(this, _cts.Token), CancellationToken.None,
                TaskCreationOptions.LongRunning, TaskScheduler.Default);

        public void Close()
        {
            if (Interlocked.Exchange(ref _closed, 1) != 0)
            {
                return;
            }
            _cts.Cancel();
            // Never wait here: Close may run on the receive loop's own thread.
            _ = Task.Run(async () =>
            {
                try
                {
                    await transport.DisposeAsync().ConfigureAwait(false);
                }
                catch (Exception e) when (e is IOException or ObjectDisposedException or InvalidOperationException or OperationCanceledException)
                {
                    Log.For("Board.Link").Debug("closing {0}: {1}", transport.Description, e.Message);
                }
            });
        }
    }

    /// <summary>RESET has no payload.</summary>
    private readonly struct ResetPayload : IWirePayload
    {
        public MessageType Type => MessageType.Reset;
        public int Size => 0;

        public void Write(Span<byte> destination)
        {
        }
    }
}

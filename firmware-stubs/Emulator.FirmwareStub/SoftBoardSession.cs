using System.Globalization;
using System.Buffers;
using System.IO.Pipelines;
using System.Net.Sockets;
using Emulator.Core.Diagnostics;
using Emulator.Core.Pcie;
using Emulator.Core.Wire;
using NLog;

namespace Emulator.FirmwareStub;

/// <summary>
/// Serves one connection to a <see cref="SoftBoard"/>: parses the host's frames in place, answers them
/// as docs/wire-protocol.md says, and injects the board's <see cref="SoftBoard.Faults"/>.
/// </summary>
/// <remarks>
/// <para><b>Receive loop.</b> One read → every whole frame in it is handled (nothing is copied; a payload
/// split across segments is copied into a small scratch buffer) → the replies, written into the output
/// pipe as they arise, are flushed once. Handling a frame allocates nothing except for HELLO, ERROR and
/// ATC_DUMP and the log messages of damaged input.</para>
/// <para><b>Completions.</b> An ATC_INV is applied to the SID's ATC as soon as it is handled, so it is
/// complete at once; its itag waits in a pending list. A SYNC absorbs that list into its SYNC_ACK (which
/// implies INV_COMPLETE for every earlier ATC_INV), and anything still pending goes out as one
/// INV_COMPLETE just before the next other reply or at the end of the read. So replies leave in the
/// order of the requests that caused them, and a batch of ATC_INVs + SYNC in one write is answered by a
/// single SYNC_ACK. (Over a socket, a batch split across reads gets an INV_COMPLETE for the part before
/// the split.)</para>
/// <para><b>Flow control.</b> An ATC_INV beyond <see cref="SoftBoardOptions.MaxBatch"/> since the last
/// SYNC, or beyond <see cref="SoftBoardOptions.MaxOutstanding"/> itags whose completion has not been
/// sent, is NAKed with Busy and not applied.</para>
/// <para><b>Threads.</b> <see cref="RunAsync"/> is the only thread that touches the session's state;
/// the counters may be read from any thread.</para>
/// </remarks>
public sealed partial class SoftBoardSession
{
    /// <summary>Holds the head of a payload split across segments; the longest layout the board reads
    /// (ERROR, 4 + 1024 bytes) fits, and bytes after a layout are ignored anyway.</summary>
    private const int ScratchSize = 2048;

    private static readonly Logger Logger = Log.For("firmware-stub");

    private readonly PipeReader _input;
    private readonly PipeWriter _output;
    private readonly byte[] _scratch = new byte[ScratchSize];

    /// <summary>Itags applied but not yet reported complete, in arrival order.</summary>
    private readonly ushort[] _pending;
    private int _pendingCount;

    /// <summary>ATC_INVs accepted since the last SYNC (or RESET, or HELLO).</summary>
    private uint _sinceSync;

    /// <summary>The board's sequence number for the next frame it sends.</summary>
    private uint _sendSequence;

    /// <summary>A <see cref="SoftBoardSessionState"/>; an int so that other threads can read it with Volatile.</summary>
    private int _state;
    private SoftBoardSessionEnd? _closing;

    /// <summary>When the session last started waiting for HELLO (connected, or the host sent ERROR):
    /// the handshake timeout runs from here.</summary>
    private long _awaitingHelloSince;
    private bool _replied;
    private int _started;

    /// <summary>The faults in force, and the counts kept for them since they were first seen.</summary>
    private SoftBoardFaults _faults;
    private long _dropMatches;
    private long _receivedUnderFaults;
    private long _sentUnderFaults;

    private readonly List<AtcEntry> _dump = [];
    private AtcDumpEntry[] _dumpEntries = [];

    private long _framesReceived;
    private long _framesSent;
    private long _framesDropped;
    private long _invalidations;
    private long _syncsAcknowledged;
    private long _naksSent;

    internal SoftBoardSession(SoftBoard board, PipeReader input, PipeWriter output, string description)
    {
        ArgumentNullException.ThrowIfNull(board);
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(output);
        Board = board;
        _input = input;
        _output = output;
        Description = description;
        _pending = new ushort[board.Options.MaxOutstanding];
        _faults = board.Faults;
    }

    public SoftBoard Board { get; }

    /// <summary>For log messages: "pipe", "tcp 127.0.0.1:53122", "unix /tmp/board.sock #3".</summary>
    public string Description { get; }

    public SoftBoardSessionState State => (SoftBoardSessionState)Volatile.Read(ref _state);

    /// <summary>The host's name from its HELLO (null before one was accepted).</summary>
    public string? HostName { get; private set; }

    /// <summary>Frames with a good CRC received (dropped ones included).</summary>
    public long FramesReceived => Volatile.Read(ref _framesReceived);

    /// <summary>Frames sent (corrupted ones included).</summary>
    public long FramesSent => Volatile.Read(ref _framesSent);

    /// <summary>Frames <see cref="SoftBoardFaults.DropEveryNth"/> dropped.</summary>
    public long FramesDropped => Volatile.Read(ref _framesDropped);

    /// <summary>ATC_INVs applied to an ATC.</summary>
    public long Invalidations => Volatile.Read(ref _invalidations);

    /// <summary>SYNC_ACKs sent.</summary>
    public long SyncsAcknowledged => Volatile.Read(ref _syncsAcknowledged);

    /// <summary>NAKs sent.</summary>
    public long NaksSent => Volatile.Read(ref _naksSent);

    /// <summary>Serves the connection until the host closes it, the session closes it (version refused,
    /// <see cref="SoftBoardFaults.DisconnectAfterFrames"/>) or <paramref name="cancellationToken"/> fires;
    /// then completes both pipes. Call once.</summary>
    /// <returns>Why it ended. Misbehaving input never ends a session; only transport failures are
    /// reported as <see cref="SoftBoardSessionEnd.TransportError"/> (and logged), not thrown.</returns>
    /// <exception cref="InvalidOperationException">Called a second time.</exception>
    public async Task<SoftBoardSessionEnd> RunAsync(CancellationToken cancellationToken = default)
    {
        if (Interlocked.Exchange(ref _started, 1) != 0)
            throw new InvalidOperationException("a session runs once");
        SoftBoardSessionEnd end;
        Exception? failure = null;
        try
        {
            end = await ServeAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            end = SoftBoardSessionEnd.Cancelled;
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException)
        {
            end = SoftBoardSessionEnd.TransportError;
            failure = e;
            Logger.Info("{0}: transport failed: {1}", Description, e.Message);
        }
        SetState(SoftBoardSessionState.Closed);
        // Completing a stream's writer without an exception writes what is buffered: into a host that
        // is not reading (or a server that is stopping) that would never return.
        if (end is SoftBoardSessionEnd.WriteTimeout or SoftBoardSessionEnd.Cancelled)
            failure ??= new IOException($"session ended ({end}); unsent replies dropped");
        await CompleteQuietly(_input.CompleteAsync()).ConfigureAwait(false);
        await CompleteQuietly(_output.CompleteAsync(failure)).ConfigureAwait(false);
        Logger.Info("{0}: session ended ({1}), {2} frames in, {3} out", Description, end, FramesReceived, FramesSent);
        if (_guestErrors > MaxGuestErrorsLogged && Log.GuestError.IsWarnEnabled)
            Log.GuestError.Warn("firmware-stub {0}: {1} guest errors on this connection, the first {2} logged", Description, _guestErrors, MaxGuestErrorsLogged);
        return end;
    }

    private static async ValueTask CompleteQuietly(ValueTask completion)
    {
        try
        {
            await completion.ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException or OperationCanceledException)
        {
            // Flushing the last replies into a connection that is already gone: nothing to tell anyone.
        }
    }

    private async Task<SoftBoardSessionEnd> ServeAsync(CancellationToken cancellationToken)
    {
        SoftBoardOptions options = Board.Options;
        _awaitingHelloSince = Environment.TickCount64;
        // One token for every wait of the session, re-armed before each: a read waits at most the idle
        // (or what is left of the handshake) timeout, a flush the write timeout. Cancelled, it ends the session.
        using var timer = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        while (true)
        {
            bool open = (SoftBoardSessionState)_state == SoftBoardSessionState.Open;
            long wait = open ? (long)options.IdleTimeout.TotalMilliseconds
                : _awaitingHelloSince + (long)options.HandshakeTimeout.TotalMilliseconds - Environment.TickCount64;
            if (!open && wait <= 0)
                return await TimedOutAsync(SoftBoardSessionEnd.HandshakeTimeout).ConfigureAwait(false);
            if (wait > 0)
                timer.CancelAfter(TimeSpan.FromMilliseconds(wait));
            else
                timer.CancelAfter(Timeout.InfiniteTimeSpan);
            ReadResult result;
            try
            {
                result = await _input.ReadAsync(timer.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                return await TimedOutAsync(open ? SoftBoardSessionEnd.IdleTimeout : SoftBoardSessionEnd.HandshakeTimeout).ConfigureAwait(false);
            }
            ReadOnlySequence<byte> rest = HandleFrames(result.Buffer, out bool more);
            // Stopped early to flush (more whole frames wait): examined = consumed, so the next read
            // returns them at once instead of waiting for new bytes.
            if (more)
                _input.AdvanceTo(rest.Start);
            else
                _input.AdvanceTo(rest.Start, rest.End);

            if (_replied)
            {
                _replied = false;
                TimeSpan delay = _faults.ReplyDelay;
                if (delay > TimeSpan.Zero)
                    await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
                timer.CancelAfter(options.WriteTimeout);
                FlushResult flushed;
                try
                {
                    flushed = await _output.FlushAsync(timer.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                    Logger.Info("{0}: the host took no reply for {1} s: closing", Description, options.WriteTimeout.TotalSeconds);
                    return SoftBoardSessionEnd.WriteTimeout;
                }
                if (flushed.IsCompleted)
                    return SoftBoardSessionEnd.PeerClosed;
            }
            if (_closing is { } closing)
                return closing;
            if (result.IsCompleted && !more)
            {
                if (rest.IsEmpty)
                    return SoftBoardSessionEnd.PeerClosed;
                if (WantGuestError())
                    GuestError($"connection closed inside a frame: {rest.Length} bytes left over");
                return SoftBoardSessionEnd.PeerClosedInsideFrame;
            }
        }
    }

    /// <summary>Tells the host why the board is closing (best effort: the host may not be reading) and ends.</summary>
    private async Task<SoftBoardSessionEnd> TimedOutAsync(SoftBoardSessionEnd end)
    {
        string message = end == SoftBoardSessionEnd.HandshakeTimeout
            ? string.Create(CultureInfo.InvariantCulture, $"no HELLO within {Board.Options.HandshakeTimeout.TotalSeconds:0.###} s of connecting; closing")
            : string.Create(CultureInfo.InvariantCulture, $"no frame for {Board.Options.IdleTimeout.TotalSeconds:0.###} s; closing");
        Logger.Info("{0}: {1}", Description, message);
        Reply(new ErrorPayload(WireErrorCode.Unspecified, message));
        using var flush = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));
        try
        {
            await _output.FlushAsync(flush.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // The host is not reading either; it is closed all the same.
        }
        return end;
    }

    /// <summary>Handles every whole frame at the head of <paramref name="buffer"/>; returns what is left
    /// (a partial frame, or everything behind a frame that closed the session). <paramref name="more"/>:
    /// it stopped early because <see cref="SoftBoardOptions.MaxUnflushedBytes"/> of replies are waiting.</summary>
    private ReadOnlySequence<byte> HandleFrames(ReadOnlySequence<byte> buffer, out bool more)
    {
        more = false;
        while (_closing is null)
        {
            if (_output.CanGetUnflushedBytes && _output.UnflushedBytes >= SoftBoardOptions.MaxUnflushedBytes)
            {
                // Replies are bounded per flush, not per read: flush these, then handle the rest.
                more = true;
                break;
            }
            if (FrameCodec.TryParseFrame(buffer, out Frame frame, out SequencePosition consumed, out _, out FrameError error))
                OnFrame(frame);
            else if (error.IsError)
                OnFrameError(error);
            else
                break;
            buffer = buffer.Slice(consumed);
        }
        FlushCompletions();
        return buffer;
    }

    private void OnFrame(in Frame frame)
    {
        _framesReceived++;
        SoftBoardFaults faults = RefreshFaults();
        _receivedUnderFaults++;
        if (faults.DropEveryNth > 0 && (faults.DropType is not { } only || only == frame.Type)
            && ++_dropMatches % faults.DropEveryNth == 0)
        {
            _framesDropped++;
            Logger.Debug("{0}: fault: dropped {1} seq {2}", Description, frame.Type, frame.Sequence);
        }
        else
        {
            Dispatch(frame);
        }
        if (faults.DisconnectAfterFrames > 0 && _receivedUnderFaults >= faults.DisconnectAfterFrames && _closing is null)
        {
            Logger.Info("{0}: fault: disconnecting after {1} frames", Description, _receivedUnderFaults);
            _closing = SoftBoardSessionEnd.FaultDisconnect;
        }
    }

    private void OnFrameError(in FrameError error)
    {
        if (error.Kind == FrameErrorKind.BadMagic)
        {
            if (WantGuestError())
                GuestError($"skipped {error.SkippedBytes} bytes that do not start a frame");
            return;
        }
        if (WantGuestError())
            GuestError($"{error.Kind} in a frame claiming {error.Type} seq {error.Sequence}, length {error.ClaimedLength}: NAK");
        Nak(error.Sequence, error.NakReason);
    }

    /// <summary>The board's faults; a new value restarts the counts kept for them.</summary>
    private SoftBoardFaults RefreshFaults()
    {
        SoftBoardFaults current = Board.Faults;
        if (!ReferenceEquals(current, _faults))
        {
            _faults = current;
            _dropMatches = 0;
            _receivedUnderFaults = 0;
            _sentUnderFaults = 0;
        }
        return current;
    }

    /// <summary>The payload as one span: in place when contiguous, else its head (at most
    /// <see cref="ScratchSize"/> bytes, more than any layout the board reads) copied to the scratch buffer.</summary>
    private ReadOnlySpan<byte> PayloadSpan(in Frame frame)
    {
        ReadOnlySequence<byte> payload = frame.Payload;
        if (payload.IsSingleSegment)
            return payload.FirstSpan;
        int length = (int)Math.Min(payload.Length, _scratch.Length);
        payload.Slice(0, length).CopyTo(_scratch);
        return _scratch.AsSpan(0, length);
    }

    /// <summary>Starts a reply frame in the output pipe; returns the span its payload goes in. Finish with
    /// <see cref="EndReply"/>.</summary>
    private Span<byte> BeginReply(MessageType type, int payloadLength, out Span<byte> frame)
    {
        frame = _output.GetSpan(FrameCodec.GetFrameLength(payloadLength));
        return FrameCodec.BeginFrame(frame, type, _sendSequence, payloadLength, Board.Options.Version);
    }

    private void EndReply(Span<byte> frame)
    {
        int length = FrameCodec.CompleteFrame(frame);
        _sendSequence++;
        _framesSent++;
        int every = _faults.CorruptCrcEveryNthSent;
        _sentUnderFaults++;
        if (every > 0 && _sentUnderFaults % every == 0)
        {
            frame[length - 1] ^= 0x80;
            Logger.Debug("{0}: fault: corrupted the CRC of sent frame seq {1}", Description, _sendSequence - 1);
        }
        _output.Advance(length);
        _replied = true;
    }

    /// <summary>Sends a reply with a fixed-layout payload. Pending completions go first, so replies keep
    /// the order of the requests and every SYNC_ACK follows the INV_COMPLETEs it covers.</summary>
    private void Reply<TPayload>(in TPayload payload) where TPayload : struct, IWirePayload
    {
        FlushCompletions();
        payload.Write(BeginReply(payload.Type, payload.Size, out Span<byte> frame));
        EndReply(frame);
    }

    /// <summary>Sends INV_COMPLETE for the pending itags (unless completions are being withheld).</summary>
    private void FlushCompletions()
    {
        if (_pendingCount == 0 || _faults.NeverComplete)
            return;
        for (int sent = 0; sent < _pendingCount;)
        {
            int count = Math.Min(_pendingCount - sent, InvCompletePayload.MaxItags);
            Span<byte> payload = BeginReply(MessageType.InvComplete, InvCompletePayload.SizeFor(count), out Span<byte> frame);
            InvCompletePayload.Write(payload, _pending.AsSpan(sent, count));
            EndReply(frame);
            sent += count;
        }
        _pendingCount = 0;
    }

    private void Nak(uint sequence, NakReason reason)
    {
        Reply(new NakPayload(sequence, reason));
        _naksSent++;
    }

    private void SetState(SoftBoardSessionState state) => Volatile.Write(ref _state, (int)state);

    /// <summary>Guest errors logged per connection; the rest are counted, so a flood of garbage cannot
    /// flood the log (or the disk behind it).</summary>
    private const int MaxGuestErrorsLogged = 20;

    private long _guestErrors;

    /// <summary>Counts a guest error; true when it should be logged (logging on, and among the first
    /// <see cref="MaxGuestErrorsLogged"/> of this connection). Callers check before formatting, so a
    /// flood of garbage costs nothing when nobody listens.</summary>
    private bool WantGuestError() => ++_guestErrors <= MaxGuestErrorsLogged && Log.GuestError.IsWarnEnabled;

    /// <summary>Logs the host's misbehaviour; the last one logged says the rest are not.</summary>
    private void GuestError(string message)
    {
        Log.GuestError.Warn("firmware-stub {0}: {1}{2}", Description, message,
            _guestErrors == MaxGuestErrorsLogged ? $" (further guest errors on this connection are counted, not logged)" : "");
    }
}

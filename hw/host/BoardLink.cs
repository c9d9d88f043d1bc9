using System.Diagnostics;
using Emulator.Board.Transport;
using Emulator.Core.Diagnostics;
using Emulator.Core.Pcie;
using Emulator.Core.Wire;

namespace Emulator.Board;

/// <summary>
/// The host end of the wire protocol (docs/wire-protocol.md) to one board: handshake, ATC_INV
/// batching, SYNC fences, NAK and silent-loss resend, reconnect with re-send or escalation, ATC_DUMP.
/// </summary>
/// <remarks>
/// <para><b>Completion.</b> Each invalidation keeps its itag and stays <i>pending</i> until the board
/// acknowledges it with an INV_COMPLETE naming the itag. SYNC is the fence: when its SYNC_ACK arrives,
/// an invalidation sent before it on the same connection and still pending was lost (the ATC_INV or
/// its completion) and is re-sent at once. <see cref="Sync"/> returns
/// <see cref="AtcSyncResult.Complete"/> only when no invalidation issued before the call is pending.
/// Nothing else removes a pending invalidation, except a RESET_ACK after an escalation (a whole-ATC
/// invalidation covers every one of them).</para>
/// <para><b>Loss.</b> A NAK naming a pending frame re-sends it (new seq, same itag or fence); a NAK
/// for a seq we cannot place re-sends everything pending. A SYNC unanswered for
/// <see cref="BoardOptions.ResendAfter"/> re-sends the invalidations it covers and a new SYNC. A
/// closed connection (unplug, reset, stub gone) makes the next <see cref="Sync"/> reconnect, shake
/// hands again and re-send every pending invalidation — or, with
/// <see cref="BoardOptions.EscalateOnReconnect"/> or when the board now accepts fewer outstanding
/// invalidations than are pending, send RESET (a whole-ATC invalidation) instead.</para>
/// <para><b>Threads.</b> Any thread may call <see cref="Invalidate"/>, <see cref="Sync"/> and
/// <see cref="Dump"/>. A receive loop per connection parses the board's frames and updates the
/// pending set; it never writes to the board (a writer blocked on back-pressure must not stop the
/// reader), so re-sends are made by the threads waiting in <see cref="Sync"/>.</para>
/// </remarks>
public sealed partial class BoardLink : IDisposable
{
    private static readonly NLog.Logger s_log = Log.For("Board.Link");

    private readonly IBoardConnector _connector;
    private readonly BoardOptions _options;

    /// <summary>Serialises writers of the transport's Output, so frames leave in seq order. Held across a
    /// flush (which may block on back-pressure); never taken by the receive loop. Taken before
    /// <see cref="_state"/>, never after it.</summary>
    private readonly Lock _sendLock = new();

    /// <summary>Guards every field below (Monitor, for Wait/PulseAll). Never held across I/O; the receive
    /// loop takes it once per read.</summary>
    private readonly object _state = new();

    private readonly Dictionary<ushort, PendingInvalidation> _pending = [];
    private readonly Dictionary<uint, PendingFence> _fences = [];
    private Connection? _connection;
    private BoardCaps? _caps;
    private long _issued;          // issue order of the last invalidation
    private long _tx;              // frames transmitted on any connection; the low 32 bits are the seq
    private int _generation;       // connections opened
    private ushort _nextItag;
    private uint _nextFence;
    private int _sinceSync;

    /// <summary>Reads the receive loop has finished (wraps); a waiter spins on it briefly before sleeping.</summary>
    private int _receiveEpoch;

    /// <summary>1 while a <see cref="Sync"/> caller is spinning (at most one does).</summary>
    private int _spinner;

    /// <summary>How long one <see cref="Sync"/> caller spins for the board's answer before sleeping.</summary>
    private static readonly long SpinTicks = Stopwatch.Frequency * 50 / 1_000_000;

    /// <summary>A <see cref="Sync"/> waiting for more invalidations than this sleeps at once.</summary>
    private const int SpinMaxPending = 16;
    private bool _resendAll;
    private string? _lastError;
    private DumpRequest? _dump;
    private long _lastSendTicks;
    private bool _disposed;

    private long _invalidations, _completed, _syncs, _syncTimeouts, _resent, _naks, _badFrames, _reconnects, _escalations, _fills, _framesSent;

    private readonly Timer? _heartbeat;

    /// <summary>Connects and shakes hands.</summary>
    /// <exception cref="BoardException">The board is unreachable, refused our protocol version or
    /// broke the handshake; the message says which and what to do.</exception>
    public BoardLink(IBoardConnector connector, BoardOptions? options = null)
    {
        _connector = connector ?? throw new ArgumentNullException(nameof(connector));
        _options = options ?? new BoardOptions();
        var connection = Connect(DateTime.UtcNow + _options.ConnectTimeout);
        lock (_state)
        {
            _connection = connection;
        }
        connection.StartReceiving(this);
        if (_options.HeartbeatInterval > TimeSpan.Zero)
        {
            _heartbeat = new Timer(_ => SendHeartbeatIfIdle(), null, _options.HeartbeatInterval, _options.HeartbeatInterval);
        }
    }

    /// <summary>What the board announced at the last handshake.</summary>
    public BoardCaps Caps
    {
        get
        {
            lock (_state)
            {
                return _caps!;
            }
        }
    }

    /// <summary>Where the board is (the connector's description).</summary>
    public string Description => _connector.Description;

    /// <summary>Invalidations issued and not yet acknowledged.</summary>
    public int Pending
    {
        get
        {
            lock (_state)
            {
                return _pending.Count;
            }
        }
    }

    /// <summary>The last thing that went wrong on the link (a board ERROR, a disconnect), or null.</summary>
    public string? LastError
    {
        get
        {
            lock (_state)
            {
                return _lastError;
            }
        }
    }

    /// <summary>A snapshot of the counters.</summary>
    public BoardStats Stats => new(Interlocked.Read(ref _invalidations), Interlocked.Read(ref _completed),
        Interlocked.Read(ref _syncs), Interlocked.Read(ref _syncTimeouts), Interlocked.Read(ref _resent),
        Interlocked.Read(ref _naks), Interlocked.Read(ref _badFrames), Interlocked.Read(ref _reconnects),
        Interlocked.Read(ref _escalations), Interlocked.Read(ref _fills), Interlocked.Read(ref _framesSent));

    /// <summary>Issues an ATS Invalidate Request (ATC_INV) without waiting for its completion. It is
    /// buffered and leaves with the next flush (a SYNC, a full batch, or a full write buffer).</summary>
    /// <remarks>When <see cref="BoardOptions.MaxBatch"/> (or the board's max batch or max outstanding)
    /// is reached, a SYNC is sent and waited for first: the back-pressure a full invalidation queue puts
    /// on a real ATS link.</remarks>
    public void Invalidate(in AtcInvalidation request)
    {
        ThrowIfDisposed();
        bool full;
        lock (_state)
        {
            full = _sinceSync >= BatchLimit() || _pending.Count >= OutstandingLimit();
        }
        if (full)
        {
            Sync(_options.SyncTimeout);
        }
        uint pasid = request.Pasid == AtcEntry.NoPasid ? AtcInvPayload.NoPasid : request.Pasid;
        byte sizeLog2 = (byte)Math.Clamp(request.SizeLog2, AtcInvPayload.MinSizeLog2, AtcInvPayload.WholeSpaceSizeLog2);
        lock (_sendLock)
        {
            PendingInvalidation p;
            Connection? c;
            lock (_state)
            {
                ushort itag = AllocateItag();
                p = new PendingInvalidation(itag, ++_issued, new AtcInvPayload(request.Sid, pasid, request.Global, request.Address, sizeLog2, itag));
                _pending.Add(itag, p);
                _sinceSync++;
                c = _connection;
                if (c is not null)
                {
                    // Recorded before the write (which takes exactly this seq under the send lock held here),
                    // so one pass of the state lock serves both; a failed write marks the connection lost.
                    p.SentTx = _tx + 1;
                    p.SentGeneration = c.Generation;
                }
            }
            Interlocked.Increment(ref _invalidations);
            if (c is not null && TryWrite(c, p.Payload, out _) && c.Output.UnflushedBytes >= FlushThreshold)
            {
                Flush(c);
            }
        }
    }

    /// <summary>Buffered bytes that make an invalidation flush before its SYNC. A typical batch (up to ~1,600
    /// ATC_INVs) leaves in one send together with its SYNC: each send is a system call, and flushing every
    /// 2 KiB to let the board start early cost more than it overlapped (measured with board-batched-tcp).</summary>
    private const int FlushThreshold = 65536;

    /// <summary>Mirrors a translation the endpoint cached into the board's ATC (ATC_FILL), so the
    /// board's ATC holds what the model's does. Buffered like an ATC_INV; no reply.</summary>
    public void Fill(uint sid, in AtcEntry entry)
    {
        ThrowIfDisposed();
        var payload = AtcFillPayload.From(sid, entry);
        lock (_sendLock)
        {
            Connection? c;
            lock (_state)
            {
                c = _connection;
            }
            if (c is null)
            {
                return; // a fill lost with the connection only makes the board's ATC smaller: never incoherent
            }
            if (TryWrite(c, payload, out _))
            {
                Interlocked.Increment(ref _fills);
            }
        }
    }

    /// <summary>Waits until every invalidation issued before this call is acknowledged: sends SYNC,
    /// waits for SYNC_ACK, re-sends what the board NAKs or leaves unanswered, and reconnects a dropped
    /// connection — all within <paramref name="timeout"/>.</summary>
    /// <returns><see cref="AtcSyncResult.Timeout"/> when some are still unacknowledged at the deadline;
    /// they stay pending, and the next Sync waits for them again.</returns>
    public AtcSyncResult Sync(TimeSpan timeout)
    {
        ThrowIfDisposed();
        Interlocked.Increment(ref _syncs);
        var deadline = Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
        long cover;
        lock (_state)
        {
            cover = _issued;
            _sinceSync = 0;
            if (!AnyPendingUpTo(cover))
            {
                return AtcSyncResult.Complete; // everything already acknowledged by INV_COMPLETE
            }
        }
        long resendAt = 0; // send a SYNC at once
        bool spun = false;
        int epoch = -1;
        while (true)
        {
            long now = Stopwatch.GetTimestamp();
            bool reconnect, resendAll;
            lock (_state)
            {
                if (!AnyPendingUpTo(cover))
                {
                    return AtcSyncResult.Complete;
                }
                if (_fatal is not null)
                {
                    Interlocked.Increment(ref _syncTimeouts);
                    return AtcSyncResult.Timeout; // logged once, when it became fatal
                }
                if (now >= deadline || _disposed)
                {
                    Interlocked.Increment(ref _syncTimeouts);
                    s_log.Warn("{0}: SYNC not acknowledged in {1} ms ({2} invalidations pending): CERROR_ATC_INV_SYNC",
                        _connector.Description, timeout.TotalMilliseconds, _pending.Count);
                    return AtcSyncResult.Timeout;
                }
                reconnect = _connection is null;
                resendAll = _resendAll || AnyMarkedForResend();
                if (!reconnect && !resendAll && now < resendAt)
                {
                    if (!spun && _pending.Count <= SpinMaxPending && Interlocked.CompareExchange(ref _spinner, 1, 0) == 0)
                    {
                        spun = true; // below, outside the lock
                    }
                    else
                    {
                        long wait = Math.Min(deadline, resendAt) - now;
                        Monitor.Wait(_state, TimeSpan.FromSeconds(Math.Max(1.0, wait) / Stopwatch.Frequency));
                        continue;
                    }
                    epoch = _receiveEpoch;
                }
                else
                {
                    _resendAll = false;
                }
            }
            if (epoch >= 0)
            {
                // A short SYNC's answer is a round trip away: one waiter at a time spins for it before
                // sleeping, saving a wake-up that costs as much as the round trip. Only one, and only for
                // a few pending invalidations: behind a large batch the board and the receive thread need
                // both cores, and a spinner would take one (measured: board-batched-tcp halved).
                long until = Stopwatch.GetTimestamp() + SpinTicks;
                while (Volatile.Read(ref _receiveEpoch) == epoch && Stopwatch.GetTimestamp() < until)
                {
                    Thread.SpinWait(8);
                }
                Volatile.Write(ref _spinner, 0);
                epoch = -1;
                continue;
            }
            if (reconnect)
            {
                if (!TryReconnect(deadline))
                {
                    continue; // the deadline check above ends it
                }
            }
            else if (now >= resendAt && resendAt != 0)
            {
                s_log.Debug("{0}: SYNC unanswered for {1} ms: re-sending", _connector.Description, _options.ResendAfter.TotalMilliseconds);
                ResendPending(cover, all: true);
            }
            else if (resendAll)
            {
                ResendPending(cover, all: false);
            }
            SendSync();
            resendAt = Stopwatch.GetTimestamp() + (long)(_options.ResendAfter.TotalSeconds * Stopwatch.Frequency);
        }
    }

    /// <summary>Closes the connection. Pending invalidations are abandoned (they were never reported complete).</summary>
    public void Dispose()
    {
        Connection? c;
        lock (_state)
        {
            if (_disposed)
            {
                return;
            }
            _disposed = true;
            c = _connection;
            _connection = null;
            Monitor.PulseAll(_state);
        }
        _heartbeat?.Dispose();
        c?.Close();
    }

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(_disposed, this);

    /// <summary>Pending invalidations allowed: ours, the board's, and the itag space. Caller holds <see cref="_state"/>.</summary>
    private int OutstandingLimit() => (int)Math.Max(1, Math.Min(Math.Min((uint)Math.Max(1, _options.MaxOutstanding), _caps!.MaxOutstanding), 65_536u));

    private int BatchLimit() => (int)Math.Max(1, Math.Min((uint)Math.Max(1, _options.MaxBatch), _caps!.MaxBatch));

    /// <summary>A free itag. Caller holds <see cref="_state"/>; <see cref="Invalidate"/> keeps the pending
    /// count below 65,536 (and the board's max outstanding), so one is always free.</summary>
    private ushort AllocateItag()
    {
        Debug.Assert(Monitor.IsEntered(_state));
        while (_pending.ContainsKey(_nextItag))
        {
            _nextItag++;
        }
        return _nextItag++;
    }

    private bool AnyPendingUpTo(long issued)
    {
        Debug.Assert(Monitor.IsEntered(_state));
        foreach (var p in _pending.Values)
        {
            if (p.Issued <= issued)
            {
                return true;
            }
        }
        return false;
    }

    private bool AnyMarkedForResend()
    {
        foreach (var p in _pending.Values)
        {
            if (p.Resend)
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>One invalidation the board has not acknowledged. Mutable fields under <see cref="_state"/>.</summary>
    private sealed class PendingInvalidation(ushort itag, long issued, AtcInvPayload payload)
    {
        public ushort Itag { get; } = itag;
        public long Issued { get; } = issued;
        public AtcInvPayload Payload { get; } = payload;

        /// <summary>The transmission counter of its latest send (0: never sent).</summary>
        public long SentTx;
        public int SentGeneration;
        public bool Resend;
    }

    /// <summary>A SYNC sent and not yet acknowledged.</summary>
    private readonly record struct PendingFence(long Tx, int Generation);

    /// <summary>The one outstanding ATC_DUMP; filled by the receive loop under <see cref="_state"/>.</summary>
    private sealed class DumpRequest(uint sid)
    {
        public uint Sid { get; } = sid;
        public List<AtcDumpEntry> Entries { get; } = [];
        public bool Truncated;
        public bool Done;

        /// <summary>The reply's payload itself did not decode.</summary>
        public bool Malformed;

        /// <summary>Entries that did not decode, and the first of them as hex.</summary>
        public int Undecodable;
        public string? FirstUndecodable;
    }
}

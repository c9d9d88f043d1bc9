using System.Diagnostics;
using Emulator.Core.Wire;

namespace Emulator.Board;

public sealed partial class BoardLink
{
    /// <summary>Sends one pending invalidation (first time or again). Caller holds <see cref="_sendLock"/>.</summary>
    private void TrySend(Connection c, PendingInvalidation p)
    {
        Debug.Assert(_sendLock.IsHeldByCurrentThread);
        if (!TryWrite(c, p.Payload, out long tx))
        {
            return;
        }
        lock (_state)
        {
            p.SentTx = tx;
            p.SentGeneration = c.Generation;
            p.Resend = false;
        }
        if (c.Output.UnflushedBytes >= FlushThreshold)
        {
            Flush(c);
        }
    }

    /// <summary>Writes one frame into the connection's output buffer (not flushed) under a new seq.
    /// Caller holds <see cref="_sendLock"/>. False when the connection is broken.</summary>
    private bool TryWrite<TPayload>(Connection c, in TPayload payload, out long tx) where TPayload : struct, IWirePayload
    {
        Debug.Assert(_sendLock.IsHeldByCurrentThread);
        tx = ++_tx;
        try
        {
            FrameCodec.WriteFrame(c.Output, (uint)tx, payload);
        }
        catch (Exception e) when (e is IOException or InvalidOperationException or ObjectDisposedException)
        {
            Lost(c, e.Message);
            return false;
        }
        Interlocked.Increment(ref _framesSent);
        Volatile.Write(ref _lastSendTicks, Stopwatch.GetTimestamp());
        return true;
    }

    /// <summary>Flushes the output buffer to the transport. Caller holds <see cref="_sendLock"/>.</summary>
    private bool Flush(Connection c)
    {
        Debug.Assert(_sendLock.IsHeldByCurrentThread);
        try
        {
            var r = c.Output.FlushAsync().AsTask().GetAwaiter().GetResult();
            if (r.IsCompleted)
            {
                Lost(c, "the board stopped reading");
                return false;
            }
            return true;
        }
        catch (Exception e) when (e is IOException or InvalidOperationException or ObjectDisposedException or OperationCanceledException or System.Net.Sockets.SocketException)
        {
            Lost(c, e.Message);
            return false;
        }
    }

    /// <summary>Sends SYNC with a new fence and flushes everything buffered before it.</summary>
    private void SendSync()
    {
        lock (_sendLock)
        {
            Connection? c;
            uint fence;
            lock (_state)
            {
                c = _connection;
                fence = ++_nextFence;
            }
            if (c is null || !TryWrite(c, new SyncPayload(fence), out long tx))
            {
                return;
            }
            lock (_state)
            {
                _fences[fence] = new PendingFence(tx, c.Generation);
            }
            Flush(c);
        }
    }

    /// <summary>Re-sends pending invalidations issued up to <paramref name="cover"/>: all of them
    /// (silence, reconnect) or only those a NAK named (<paramref name="all"/> false).</summary>
    private void ResendPending(long cover, bool all)
    {
        lock (_sendLock)
        {
            Connection? c;
            List<PendingInvalidation> again = [];
            lock (_state)
            {
                c = _connection;
                foreach (var p in _pending.Values)
                {
                    if (p.Issued <= cover && (all || p.Resend || p.SentTx == 0 || p.SentGeneration != c?.Generation))
                    {
                        again.Add(p);
                    }
                }
            }
            if (c is null)
            {
                return;
            }
            again.Sort((a, b) => a.Issued.CompareTo(b.Issued));
            foreach (var p in again)
            {
                TrySend(c, p);
                Interlocked.Increment(ref _resent);
            }
        }
    }

    /// <summary>Timer: a HEARTBEAT when nothing was sent for a heartbeat interval. Never blocks on the send lock.</summary>
    private void SendHeartbeatIfIdle()
    {
        long idle = Stopwatch.GetTimestamp() - Volatile.Read(ref _lastSendTicks);
        if (idle < _options.HeartbeatInterval.TotalSeconds * Stopwatch.Frequency || !_sendLock.TryEnter())
        {
            return;
        }
        try
        {
            Connection? c;
            lock (_state)
            {
                c = _disposed ? null : _connection;
            }
            if (c is not null && TryWrite(c, new HeartbeatPayload((ulong)(Stopwatch.GetTimestamp() * (1e9 / Stopwatch.Frequency))), out _))
            {
                Flush(c);
            }
        }
        finally
        {
            _sendLock.Exit();
        }
    }

    /// <summary>The connection broke: forget it (the next Sync reconnects) and wake the waiters.</summary>
    private void Lost(Connection c, string why)
    {
        bool first;
        lock (_state)
        {
            first = ReferenceEquals(_connection, c);
            if (first)
            {
                _connection = null;
                _lastError = $"connection to {_connector.Description} lost: {why}";
                _fences.Clear();
            }
            Monitor.PulseAll(_state);
        }
        if (first)
        {
            s_log.Warn("{0}: connection lost ({1}); the next SYNC reconnects", _connector.Description, why);
            c.Close();
        }
    }
}

using System.Diagnostics;
using Emulator.Core.Wire;

namespace Emulator.Board;

public sealed partial class BoardLink
{
    /// <summary>Reads the board's ATC for <paramref name="sid"/> (ATC_DUMP). Call after a completed
    /// <see cref="Sync"/> for a picture consistent with the invalidations issued so far.</summary>
    /// <returns>False when the board did not answer within <paramref name="timeout"/> or the link is down.</returns>
    public bool Dump(uint sid, List<AtcDumpEntry> into, out bool truncated, TimeSpan timeout)
    {
        ThrowIfDisposed();
        truncated = false;
        var request = new DumpRequest(sid);
        lock (_sendLock)
        {
            Connection? c;
            lock (_state)
            {
                if (_dump is not null)
                {
                    throw new InvalidOperationException("one ATC_DUMP at a time");
                }
                _dump = request;
                c = _connection;
            }
            if (c is null || !TryWrite(c, new AtcDumpPayload(sid), out _) || !Flush(c))
            {
                lock (_state)
                {
                    _dump = null;
                }
                return false;
            }
        }
        var deadline = DateTime.UtcNow + timeout;
        lock (_state)
        {
            try
            {
                while (!request.Done)
                {
                    var left = deadline - DateTime.UtcNow;
                    if (left <= TimeSpan.Zero || _connection is null)
                    {
                        return false;
                    }
                    Monitor.Wait(_state, left);
                }
            }
            finally
            {
                _dump = null;
            }
        }
        into.AddRange(request.Entries);
        truncated = request.Truncated;
        return true;
    }

    /// <summary>Empties the board's ATC and forgets every pending invalidation once the board confirms
    /// (RESET → RESET_ACK): a whole-ATC invalidation. Used between independent runs (traces) that share
    /// one board, and as the escalation after a reconnect.</summary>
    /// <returns>False when the board did not confirm within <paramref name="timeout"/>.</returns>
    public bool Reset(TimeSpan timeout)
    {
        ThrowIfDisposed();
        var deadline = DateTime.UtcNow + timeout;
        Connection? c;
        lock (_state)
        {
            c = _connection;
        }
        if (c is null && !TryReconnect(Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency)))
        {
            return false;
        }
        lock (_sendLock)
        {
            lock (_state)
            {
                c = _connection;
            }
            if (c is null || !TryWrite(c, default(ResetPayload), out long tx))
            {
                return false;
            }
            lock (_state)
            {
                c.ResetTx = tx;
            }
            if (!Flush(c))
            {
                return false;
            }
        }
        lock (_state)
        {
            while (c.ResetTx != 0)
            {
                var left = deadline - DateTime.UtcNow;
                if (left <= TimeSpan.Zero || !ReferenceEquals(_connection, c))
                {
                    return false;
                }
                Monitor.Wait(_state, left);
            }
            _sinceSync = 0;
            return true;
        }
    }
}

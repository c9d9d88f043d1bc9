using System.Diagnostics;
using Emulator.Core.Wire;

namespace Emulator.Board;

public sealed partial class BoardLink
{
    /// <summary>Reads the board's ATC for <paramref name="sid"/> (ATC_DUMP). Call after a completed
    /// <see cref="Sync"/> for a picture consistent with the invalidations issued so far.</summary>
    /// <returns>False when the board did not answer within <paramref name="timeout"/>, the link is down,
    /// or the reply held entries that do not decode (<see cref="DumpChecked"/> says which).</returns>
    public bool Dump(uint sid, List<AtcDumpEntry> into, out bool truncated, TimeSpan timeout)
    {
        ArgumentNullException.ThrowIfNull(into);
        BoardDump dump = DumpChecked(sid, timeout);
        truncated = dump.Truncated;
        if (dump.Status != DumpStatus.Ok)
        {
            return false;
        }
        into.AddRange(dump.Entries);
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

using System.Diagnostics;
using Emulator.Core.Pcie;
using Emulator.Core.Wire;

namespace Emulator.Board;

/// <summary>What verification needs from the link, failing closed: dumps that say why they are not a
/// dump, the invalidations still pending, and a protocol violation that ends the link for good.</summary>
public sealed partial class BoardLink
{
    /// <summary>Why the link is unusable for good (a frame of another major version, a board that now
    /// refuses our version), or null. Under <see cref="_state"/>.</summary>
    private string? _fatal;

    /// <summary>Why the link is unusable for good, or null: once set, <see cref="Sync"/> answers Timeout
    /// at once, nothing reconnects, and <see cref="DumpChecked"/> answers LinkDown.</summary>
    public string? Fatal
    {
        get
        {
            lock (_state)
            {
                return _fatal;
            }
        }
    }

    /// <summary>True while a connection is open.</summary>
    public bool IsConnected
    {
        get
        {
            lock (_state)
            {
                return _connection is not null && _fatal is null;
            }
        }
    }

    /// <summary>"board 5354554200000001 at tcp 127.0.0.1:7700": how findings name the board.</summary>
    public string Identity
    {
        get
        {
            lock (_state)
            {
                return _caps is null ? _connector.Description : $"board {_caps.BoardId:x16} at {_connector.Description}";
            }
        }
    }

    /// <summary>The invalidations issued and not acknowledged, oldest first (the model's side of a
    /// never-completed invalidation).</summary>
    public IReadOnlyList<AtcInvPayload> PendingInvalidations()
    {
        lock (_state)
        {
            var pending = new List<PendingInvalidation>(_pending.Values);
            pending.Sort((a, b) => a.Issued.CompareTo(b.Issued));
            return [.. pending.Select(p => p.Payload)];
        }
    }

    /// <summary>Reads the board's ATC for <paramref name="sid"/> (ATC_DUMP) and says what happened.
    /// Call after a completed <see cref="Sync"/> for a picture consistent with the invalidations issued.</summary>
    public BoardDump DumpChecked(uint sid, TimeSpan timeout)
    {
        ThrowIfDisposed();
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
                if (_fatal is not null)
                {
                    return new BoardDump(sid, DumpStatus.LinkDown, [], false, 0, _fatal);
                }
                _dump = request;
                c = _connection;
            }
            if (c is null || !TryWrite(c, new AtcDumpPayload(sid), out _) || !Flush(c))
            {
                lock (_state)
                {
                    _dump = null;
                    return new BoardDump(sid, DumpStatus.LinkDown, [], false, 0, _lastError ?? "not connected");
                }
            }
        }
        long deadline = Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
        lock (_state)
        {
            try
            {
                while (!request.Done)
                {
                    long left = deadline - Stopwatch.GetTimestamp();
                    if (_connection is null || _fatal is not null)
                    {
                        return new BoardDump(sid, DumpStatus.LinkDown, request.Entries, false, 0, _fatal ?? _lastError ?? "connection lost");
                    }
                    if (left <= 0)
                    {
                        return new BoardDump(sid, DumpStatus.NoAnswer, [], false, 0,
                            $"no ATC_DUMP_REPLY within {timeout.TotalMilliseconds:0} ms");
                    }
                    Monitor.Wait(_state, TimeSpan.FromSeconds((double)left / Stopwatch.Frequency));
                }
            }
            finally
            {
                _dump = null;
            }
        }
        if (request.Malformed || request.Undecodable > 0)
        {
            return new BoardDump(sid, DumpStatus.Undecodable, request.Entries, request.Truncated, request.Undecodable, request.FirstUndecodable);
        }
        return new BoardDump(sid, DumpStatus.Ok, request.Entries, request.Truncated, 0, null);
    }

    /// <summary>The board broke the protocol in a way no resend repairs (a frame headed by another major
    /// version): the link ends for good. Caller holds <see cref="_state"/>.</summary>
    private void ViolationLocked(string why)
    {
        Debug.Assert(Monitor.IsEntered(_state));
        if (_fatal is null)
        {
            _fatal = $"{_connector.Description}: {why}";
            _lastError = _fatal;
            s_log.Error("{0}", _fatal);
        }
        Monitor.PulseAll(_state);
    }

    /// <summary>Records an ATC_DUMP_REPLY's entries into the waiting request; an entry that does not
    /// decode is counted (and the first kept as hex), never skipped. Caller holds <see cref="_state"/>.</summary>
    private static void CollectDumpEntries(DumpRequest request, in AtcDumpReplyPayload reply, ReadOnlySpan<byte> payload)
    {
        for (int i = 0; i < reply.Count; i++)
        {
            if (reply.TryGetEntry(i, out var e))
            {
                request.Entries.Add(e);
            }
            else
            {
                request.Undecodable++;
                request.FirstUndecodable ??= $"entry {i}: {Convert.ToHexString(payload.Slice(AtcDumpReplyPayload.HeaderSize + i * AtcDumpEntry.Size, AtcDumpEntry.Size))}";
            }
        }
    }

    /// <summary>An invalidation as findings print it.</summary>
    public static string Describe(in AtcInvPayload p) =>
        $"sid 0x{p.Sid:x} {(p.Pasid == AtcInvPayload.NoPasid ? "no pasid" : $"pasid {p.Pasid}")} va 0x{p.Address:x} size 2^{p.SizeLog2}{(p.Global ? " global" : "")} (itag {p.Itag})";
}

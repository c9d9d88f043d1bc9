using Emulator.Core.Backends;
using Emulator.Core.Diagnostics;
using Emulator.Core.Pcie;
using Emulator.Core.Wire;

namespace Emulator.Board;

/// <summary>
/// The <c>board</c> backend: the in-process endpoints (the sim backend) keep doing the DMA, and every
/// ATC invalidation also goes to the board over <see cref="BoardLink"/>. CMD_SYNC completes only when
/// both have completed it — the board's SYNC_ACK included.
/// </summary>
/// <remarks>
/// <para>Translations the endpoints cache are mirrored to the board (ATC_FILL), so the board's ATC
/// holds what the model's does; with <see cref="BoardOptions.Lockstep"/>, every completed Sync is
/// followed by ATC_DUMP of each endpoint and a comparison (<see cref="Divergences"/>). An entry the
/// board holds and the model does not means the board did not apply an invalidation.</para>
/// <para>It fails closed (<see cref="Findings"/>, <see cref="Verdict"/>): a dump the host cannot decode,
/// a dump that does not come, a connection lost while lockstep reads, invalidations the board never
/// completes, a frame of another major version — each is a finding, never a warning.</para>
/// <para>Thread-safe, like both parts. Owns nothing: the caller disposes the link.</para>
/// </remarks>
public sealed partial class BoardAtcBackend : IAtcBackend, IAtcFillObserver
{
    private static readonly NLog.Logger s_log = Log.For("Board.Backend");

    private readonly SimAtcBackend _sim;
    private readonly BoardLink _link;
    private readonly bool _lockstep;

    /// <summary>Guards <see cref="_divergences"/> and the lockstep scratch lists.</summary>
    private readonly Lock _lockstepLock = new();
    private readonly List<LockstepDivergence> _divergences = [];

    /// <summary>Divergences already reported: one that persists over several SYNCs is reported once.</summary>
    private readonly HashSet<(uint Sid, uint Pasid, ulong Va, byte SizeLog2, ulong Pa, bool OnBoardOnly)> _reported = [];
    private readonly List<AtcDumpEntry> _board = [];
    private readonly List<AtcEntry> _model = [];
    private long _lockstepChecks;

    public BoardAtcBackend(SimAtcBackend sim, BoardLink link, bool lockstep)
    {
        _sim = sim ?? throw new ArgumentNullException(nameof(sim));
        _link = link ?? throw new ArgumentNullException(nameof(link));
        _lockstep = lockstep;
    }

    /// <inheritdoc/>
    public string Name => "board";

    /// <summary>The connection to the board.</summary>
    public BoardLink Link => _link;

    /// <summary>Lockstep comparisons made (one per endpoint per completed Sync).</summary>
    public long LockstepChecks => Interlocked.Read(ref _lockstepChecks);

    /// <summary>Every divergence lockstep found, in order; one that persists over several SYNCs is listed once.</summary>
    public IReadOnlyList<LockstepDivergence> Divergences
    {
        get
        {
            lock (_lockstepLock)
            {
                return [.. _divergences];
            }
        }
    }

    /// <inheritdoc/>
    public void Invalidate(in AtcInvalidation request)
    {
        _sim.Invalidate(request);
        _link.Invalidate(request);
    }

    /// <inheritdoc/>
    /// <remarks>The board's wait gets the whole timeout: the sim part never waits.</remarks>
    public AtcSyncResult Sync(TimeSpan timeout)
    {
        var sim = _sim.Sync(timeout);
        var board = _link.Sync(timeout);
        if (board != AtcSyncResult.Complete)
        {
            NeverCompleted(timeout);
        }
        if (sim != AtcSyncResult.Complete || board != AtcSyncResult.Complete)
        {
            return AtcSyncResult.Timeout;
        }
        if (_lockstep)
        {
            CompareAll(timeout);
        }
        return AtcSyncResult.Complete;
    }

    /// <inheritdoc/>
    /// <remarks>The board's ATC, as ATC_DUMP reports it (frame generations are not on the wire: 0).</remarks>
    public bool TryDump(uint sid, List<AtcEntry> into)
    {
        ArgumentNullException.ThrowIfNull(into);
        var entries = new List<AtcDumpEntry>();
        if (!_link.Dump(sid, entries, out _, TimeSpan.FromSeconds(2)))
        {
            return false;
        }
        foreach (var e in entries)
        {
            into.Add(AtcEntryWire.ToAtcEntry(e));
        }
        return true;
    }

    /// <inheritdoc/>
    public void Filled(uint sid, in AtcEntry entry) => _link.Fill(sid, entry);

    /// <summary>Compares the board's ATC with the model's for every endpoint now.</summary>
    /// <returns>Divergences found by this comparison.</returns>
    public int CompareAll(TimeSpan timeout)
    {
        int found = 0;
        lock (_lockstepLock)
        {
            foreach (uint sid in _sim.AttachedSids())
            {
                _board.Clear();
                _model.Clear();
                _sim.TryDump(sid, _model);
                BoardDump dump = _link.DumpChecked(sid, timeout);
                if (dump.Status != DumpStatus.Ok)
                {
                    // Fail closed: no picture of the board's ATC is never "nothing to compare".
                    found += DumpFailed(sid, dump);
                    continue;
                }
                _board.AddRange(dump.Entries);
                Interlocked.Increment(ref _lockstepChecks);
                found += Compare(sid, dump.Truncated);
            }
        }
        return found;
    }

    private int Compare(uint sid, bool truncated)
    {
        var model = new HashSet<(uint, ulong, byte, ulong)>();
        foreach (var e in _model)
        {
            model.Add((e.Pasid == AtcEntry.NoPasid ? AtcInvPayload.NoPasid : e.Pasid, e.Va, (byte)e.SizeLog2, e.Pa));
        }
        var board = new HashSet<(uint, ulong, byte, ulong)>();
        int found = 0;
        foreach (var e in _board)
        {
            var key = (e.Pasid, e.Va, e.SizeLog2, e.Pa);
            board.Add(key);
            if (!model.Contains(key))
            {
                Add(new LockstepDivergence(sid, e, OnBoardOnly: true));
                found++;
            }
        }
        if (!truncated)
        {
            foreach (var e in _model)
            {
                var key = (e.Pasid == AtcEntry.NoPasid ? AtcInvPayload.NoPasid : e.Pasid, e.Va, (byte)e.SizeLog2, e.Pa);
                if (!board.Contains(key))
                {
                    Add(new LockstepDivergence(sid, AtcEntryWire.ToDumpEntry(e), OnBoardOnly: false));
                    found++;
                }
            }
        }
        return found;
    }

    private void Add(LockstepDivergence d)
    {
        if (!_reported.Add((d.Sid, d.Entry.Pasid, d.Entry.Va, d.Entry.SizeLog2, d.Entry.Pa, d.OnBoardOnly)))
        {
            return;
        }
        _divergences.Add(d);
        if (d.OnBoardOnly)
        {
            AddFinding(new BoardFinding(BoardFindingKind.StaleTranslation, _link.Identity,
                $"lockstep: sid 0x{d.Sid:x}: the board still holds a translation the model invalidated",
                "absent (invalidated)", d.Entry.ToString(), BoardGone: false), key: $"stale {d.Sid} {d.Entry}");
        }
        else
        {
            s_log.Debug("lockstep: {0}", d);
        }
    }
}

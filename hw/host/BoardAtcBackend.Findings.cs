using Emulator.Core.Wire;

namespace Emulator.Board;

/// <summary>Findings: what fails the run, each reported once with the board's identity and both views.</summary>
public sealed partial class BoardAtcBackend
{
    /// <summary>Guards <see cref="_findings"/> and <see cref="_findingKeys"/>.</summary>
    private readonly Lock _findingsLock = new();
    private readonly List<BoardFinding> _findings = [];
    private readonly HashSet<string> _findingKeys = new(StringComparer.Ordinal);

    /// <summary>Every finding so far, in order; one that persists is listed once.</summary>
    public IReadOnlyList<BoardFinding> Findings
    {
        get
        {
            lock (_findingsLock)
            {
                return [.. _findings];
            }
        }
    }

    /// <summary>The run's verdict so far: <see cref="BoardVerdict.BoardGone"/> when any finding is the
    /// board going away, else <see cref="BoardVerdict.Finding"/> when there is any.</summary>
    public BoardVerdict Verdict
    {
        get
        {
            lock (_findingsLock)
            {
                return _findings.Count == 0 ? BoardVerdict.Passed
                    : _findings.Exists(f => f.BoardGone) ? BoardVerdict.BoardGone : BoardVerdict.Finding;
            }
        }
    }

    private void AddFinding(BoardFinding finding, string key)
    {
        lock (_findingsLock)
        {
            if (!_findingKeys.Add(key))
            {
                return;
            }
            _findings.Add(finding);
        }
        s_log.Error("{0}", finding);
    }

    /// <summary>The link's Sync gave up: the invalidations still pending were never completed by the
    /// board (the resends and reconnects have run out), or the link is fatally broken.</summary>
    private void NeverCompleted(TimeSpan timeout)
    {
        string? fatal = _link.Fatal;
        if (fatal is not null)
        {
            AddFinding(new BoardFinding(BoardFindingKind.ProtocolVersion, _link.Identity, "the board broke the protocol: " + fatal,
                "protocol " + ProtocolVersion.Current, fatal, BoardGone: false), key: "fatal");
            return;
        }
        IReadOnlyList<AtcInvPayload> pending = _link.PendingInvalidations();
        if (pending.Count == 0)
        {
            return;
        }
        bool gone = !_link.IsConnected;
        string first = string.Join("; ", pending.Take(4).Select(p => BoardLink.Describe(p))) + (pending.Count > 4 ? $"; … {pending.Count - 4} more" : "");
        AddFinding(new BoardFinding(BoardFindingKind.InvalidationNeverCompleted, _link.Identity,
            $"{pending.Count} invalidation(s) never completed within {timeout.TotalMilliseconds:0} ms, after every resend{(gone ? " and reconnect" : "")} (CERROR_ATC_INV_SYNC)",
            "invalidated: " + first,
            gone ? "unreachable: " + (_link.LastError ?? "connection lost") : "no INV_COMPLETE for them" + (_link.LastError is { } e ? $" (last error: {e})" : ""),
            BoardGone: gone), key: "never-completed");
    }

    /// <summary>A lockstep dump that is not a dump: a finding, never skipped. Caller holds the lockstep lock.</summary>
    private int DumpFailed(uint sid, BoardDump dump)
    {
        string model = $"{_model.Count} entries" + (_model.Count > 0 ? ": " + string.Join("; ", _model.Take(3).Select(e => AtcEntryWire.ToDumpEntry(e).ToString())) + (_model.Count > 3 ? "; …" : "") : "");
        (BoardFindingKind kind, string summary, bool gone) = dump.Status switch
        {
            DumpStatus.Undecodable => (BoardFindingKind.UndecodableDump,
                $"lockstep: sid 0x{sid:x}: ATC_DUMP_REPLY with {Math.Max(1, dump.Undecodable)} entr{(dump.Undecodable == 1 ? "y" : "ies")} the host cannot decode (reserved bits or a size out of range): the board's ATC cannot be checked",
                false),
            DumpStatus.NoAnswer => (BoardFindingKind.DumpMissing, $"lockstep: sid 0x{sid:x}: no ATC_DUMP_REPLY in time: the board's ATC cannot be checked", false),
            _ when _link.Fatal is not null => (BoardFindingKind.ProtocolVersion, "the board broke the protocol: " + _link.Fatal, false),
            _ => (BoardFindingKind.ConnectionLost, $"lockstep: sid 0x{sid:x}: the connection was lost while reading the board's ATC", true),
        };
        string board = dump.Status == DumpStatus.Undecodable
            ? $"{dump.Entries.Count} decodable entries, {dump.Undecodable} not; {dump.Detail}"
            : dump.Detail ?? "no answer";
        AddFinding(new BoardFinding(kind, _link.Identity, summary, model, board, gone), key: kind == BoardFindingKind.ProtocolVersion ? "fatal" : $"{kind} {sid}");
        return 1;
    }
}

using System.Globalization;
using System.Text;

namespace Emulator.Core.Diagnostics;

/// <summary>
/// Names, descriptions and one-line formats of the trace points, and the <c>--trace PATTERN[,PATTERN…]</c>
/// filter (<c>*</c> any run of characters, <c>?</c> one; <c>smmu_cmd*</c>, <c>notifier_*</c>, <c>atc_*</c>).
/// </summary>
public static class TraceEventCatalog
{
    private static readonly (TraceEventId Id, string Name, string Description)[] Events =
    [
        (TraceEventId.PteChange, "pte_change", "page-table entries of an mm changed (unmap, protect, COW break): range, pages, kind"),
        (TraceEventId.NotifierStart, "notifier_invalidate_start", "an MMU-notifier subscriber's invalidate_range_start: range and event"),
        (TraceEventId.NotifierSecondary, "notifier_secondary_tlbs", "a subscriber's arch_invalidate_secondary_tlbs (IOTLB and ATC): range"),
        (TraceEventId.NotifierEnd, "notifier_invalidate_end", "a subscriber's invalidate_range_end: range and event"),
        (TraceEventId.SmmuCmd, "smmu_cmd", "the SMMU consumed a command (decoded)"),
        (TraceEventId.SmmuCmdSync, "smmu_cmd_sync", "a CMD_SYNC began; whether ATC invalidations were outstanding"),
        (TraceEventId.SmmuCmdSyncDone, "smmu_cmd_sync_done", "the CMD_SYNC completed, or timed out (CERROR_ATC_INV_SYNC)"),
        (TraceEventId.AtcFill, "atc_fill", "a device cached a translation (ATS completion): sid, pasid, va, pa, size"),
        (TraceEventId.AtcInv, "atc_inv", "a device received an ATS Invalidate Request: sid, pasid, address, size"),
        (TraceEventId.AtcInvComplete, "atc_inv_complete", "the device completed it: entries removed"),
        (TraceEventId.PriRequest, "pri_request", "a device sent a PRI Page Request: sid, pasid, va, group"),
        (TraceEventId.PriResponse, "pri_response", "the Page Request was answered: result"),
        (TraceEventId.BoardAtcInv, "board_atc_inv", "an ATC_INV frame went to the board"),
        (TraceEventId.BoardSync, "board_sync", "a SYNC went to the board"),
        (TraceEventId.BoardSyncDone, "board_sync_done", "the board acknowledged the SYNC, or did not in time"),
        (TraceEventId.BoardFrameTx, "board_frame_tx", "a wire frame went to the board: type, seq, payload bytes"),
        (TraceEventId.BoardFrameRx, "board_frame_rx", "a wire frame came from the board: type, seq, payload bytes"),
    ];

    /// <summary>Every event: id, name, description, in data-flow order.</summary>
    public static IReadOnlyList<(TraceEventId Id, string Name, string Description)> All => Events;

    /// <summary>The event's name (<c>smmu_cmd</c>).</summary>
    public static string Name(TraceEventId id) => Events[(int)id].Name;

    /// <summary>The mask of every event matching any pattern of <paramref name="patterns"/> (comma-separated).</summary>
    /// <param name="patterns">E.g. <c>smmu_cmd*,atc_*</c>; <c>all</c> or <c>*</c> for everything.</param>
    /// <param name="mask">Bit <c>1 &lt;&lt; (int)id</c> per matching event.</param>
    /// <param name="error">A pattern that matches no event (probably a typo), with the known names.</param>
    public static bool TryParse(string patterns, out ulong mask, out string? error)
    {
        mask = 0;
        error = null;
        foreach (string raw in patterns.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            string pattern = raw == "all" ? "*" : raw;
            ulong one = 0;
            foreach (var (id, name, _) in Events)
            {
                if (Glob(pattern, name))
                {
                    one |= 1UL << (int)id;
                }
            }
            if (one == 0)
            {
                error = $"'{raw}' matches no trace event (see --trace list)";
                return false;
            }
            mask |= one;
        }
        if (mask == 0)
        {
            error = "no pattern given (see --trace list)";
            return false;
        }
        return true;
    }

    /// <summary>Shell-style match: <c>*</c> any run, <c>?</c> one character.</summary>
    public static bool Glob(string pattern, string text)
    {
        int p = 0, t = 0, star = -1, mark = 0;
        while (t < text.Length)
        {
            if (p < pattern.Length && (pattern[p] == '?' || pattern[p] == text[t]))
            {
                p++;
                t++;
            }
            else if (p < pattern.Length && pattern[p] == '*')
            {
                star = p++;
                mark = t;
            }
            else if (star >= 0)
            {
                p = star + 1;
                t = ++mark;
            }
            else
            {
                return false;
            }
        }
        while (p < pattern.Length && pattern[p] == '*')
        {
            p++;
        }
        return p == pattern.Length;
    }

    /// <summary>The agent as a short name: <c>vcpu0</c>, <c>cpu</c>, <c>smmu</c>, <c>dev 0x10</c>, <c>board</c>,
    /// or the notifier subscriber's <paramref name="subjectName"/>.</summary>
    public static string Agent(in TraceEvent e, string? subjectName) => e.Agent switch
    {
        TraceAgentKind.Cpu => e.AgentIndex >= 0 ? string.Create(CultureInfo.InvariantCulture, $"vcpu{e.AgentIndex}") : "cpu",
        TraceAgentKind.Notifier => "notifier " + (subjectName ?? "?"),
        TraceAgentKind.Smmu => "smmu",
        TraceAgentKind.Device => string.Create(CultureInfo.InvariantCulture, $"dev 0x{e.AgentIndex:x}"),
        _ => "board",
    };

    /// <summary>The event's arguments as <c>key=value</c> pairs.</summary>
    /// <param name="e">The event.</param>
    /// <param name="subjectName">The name the sink gave its subject (an mm), or null.</param>
    public static string Arguments(in TraceEvent e, string? subjectName)
    {
        var c = CultureInfo.InvariantCulture;
        switch (e.Id)
        {
            case TraceEventId.PteChange:
                return string.Create(c, $"{subjectName ?? "mm"} start=0x{e.A0:x} end=0x{e.A1:x} pages={e.A2} kind={PteKind(e.A3)}");
            case TraceEventId.NotifierStart:
            case TraceEventId.NotifierEnd:
                return string.Create(c, $"start=0x{e.A0:x} end=0x{e.A1:x} event={(Notifiers.MmuNotifierEvent)e.A2}");
            case TraceEventId.NotifierSecondary:
                return string.Create(c, $"start=0x{e.A0:x} end=0x{e.A1:x}");
            case TraceEventId.SmmuCmd:
                return new Smmu.Command(e.A0, e.A1).ToString();
            case TraceEventId.SmmuCmdSync:
                return e.A0 != 0 ? "atc_inv_outstanding=1" : "atc_inv_outstanding=0";
            case TraceEventId.SmmuCmdSyncDone:
            case TraceEventId.BoardSyncDone:
                return e.A0 == 0 ? "result=complete" : "result=timeout";
            case TraceEventId.AtcFill:
                return string.Create(c, $"sid=0x{e.A0:x} pasid={Pasid(e.A1)} va=0x{e.A2:x} pa=0x{e.A3 & ~0x3FUL:x} size=2^{e.A3 & 0x3F}");
            case TraceEventId.AtcInv:
            case TraceEventId.BoardAtcInv:
                return string.Create(c, $"sid=0x{e.A0:x} pasid={Pasid(e.A1)} addr=0x{e.A2:x} size={Size(e.A3 & 0xFF)}{((e.A3 & 0x100) != 0 ? " global" : "")}");
            case TraceEventId.AtcInvComplete:
                return string.Create(c, $"sid=0x{e.A0:x} removed={e.A1}");
            case TraceEventId.PriRequest:
                return string.Create(c, $"sid=0x{e.A0:x} pasid={Pasid(e.A1)} va=0x{e.A2:x} group={e.A3}");
            case TraceEventId.BoardFrameTx:
            case TraceEventId.BoardFrameRx:
                return string.Create(c, $"type={(Wire.MessageType)e.A0} seq={e.A1} payload={e.A2}");
            case TraceEventId.PriResponse:
                return string.Create(c, $"sid=0x{e.A0:x} pasid={Pasid(e.A1)} va=0x{e.A2:x} result={(Pcie.PriResult)e.A3}");
            default:
                return "";
        }
    }

    /// <summary>One line: <c>@TIME AGENT NAME ARGS</c>.</summary>
    public static string Format(in TraceEvent e, string? subjectName)
    {
        var sb = new StringBuilder(96);
        sb.Append('@').Append(e.Time.ToString(CultureInfo.InvariantCulture)).Append(' ')
          .Append(Agent(e, subjectName)).Append(' ').Append(Name(e.Id));
        string args = Arguments(e, subjectName);
        if (args.Length > 0)
        {
            sb.Append(' ').Append(args);
        }
        return sb.ToString();
    }

    /// <summary>What kind of page-table change (A3 of pte_change).</summary>
    public static string PteKind(ulong kind) => kind switch
    {
        PteKindUnmap => "unmap",
        PteKindProtect => "protect",
        PteKindCow => "cow",
        _ => "other",
    };

    /// <summary>A3 of pte_change: entries cleared (munmap, madvise, exit).</summary>
    public const ulong PteKindUnmap = 0;

    /// <summary>A3 of pte_change: permissions downgraded (mprotect, fork's write-protect).</summary>
    public const ulong PteKindProtect = 1;

    /// <summary>A3 of pte_change: a COW break replaced the frame.</summary>
    public const ulong PteKindCow = 2;

    private static string Pasid(ulong pasid) => pasid == uint.MaxValue ? "-" : pasid.ToString(CultureInfo.InvariantCulture);

    private static string Size(ulong sizeLog2) => sizeLog2 >= 64 ? "all" : "2^" + sizeLog2.ToString(CultureInfo.InvariantCulture);
}

using System.Globalization;
using System.Text.RegularExpressions;
using Emulator.Core.Oracle;

namespace Emulator.Cli;

/// <summary>
/// The coherence oracle's findings as a person reads them: the first stale access with its device,
/// PASID and address, which invalidation was missing or late, and the few commands that matter —
/// not the whole command history (that comes with <c>--verbose</c>, or in <c>--timeline</c>).
/// </summary>
internal static partial class OracleReport
{
    /// <summary>Stale accesses described in full without <c>--verbose</c>; the rest are counted.</summary>
    public const int FirstFew = 1;

    /// <summary>Relevant commands shown per finding without <c>--verbose</c>.</summary>
    public const int RelevantCommands = 4;

    /// <summary>The report's lines (no indentation); empty when the oracle saw nothing.</summary>
    /// <param name="oracle">The run's oracle.</param>
    /// <param name="verbose">Every finding with its whole command history.</param>
    public static IReadOnlyList<string> Lines(CoherenceOracle oracle, bool verbose)
    {
        var lines = new List<string>();
        var stale = oracle.StaleAccesses;
        int shown = verbose ? stale.Length : Math.Min(FirstFew, stale.Length);
        for (int i = 0; i < shown; i++)
        {
            Describe(stale[i], verbose, lines);
        }
        long more = oracle.Stale - shown;
        if (more > 0)
        {
            lines.Add(string.Create(CultureInfo.InvariantCulture, $"... and {more} more stale accesses (--verbose lists them all)"));
        }
        var violations = oracle.AtcViolations;
        int shownViolations = verbose ? violations.Length : Math.Min(FirstFew, violations.Length);
        for (int i = 0; i < shownViolations; i++)
        {
            var v = violations[i];
            lines.Add(string.Create(CultureInfo.InvariantCulture,
                $"ATC entry outlives its mapping: device sid 0x{v.Sid:x}, {Pasid(v.Pasid)}, va 0x{v.Va:x} -> pa 0x{v.AtcPa:x}: {v.Reason}"));
        }
        if (oracle.Violations > shownViolations)
        {
            lines.Add(string.Create(CultureInfo.InvariantCulture, $"... and {oracle.Violations - shownViolations} more ATC entries outliving their mapping"));
        }
        return lines;
    }

    /// <summary>One stale access: what happened, the likely cause, the commands that matter.</summary>
    internal static void Describe(StaleAccess s, bool verbose, List<string> lines)
    {
        var c = CultureInfo.InvariantCulture;
        lines.Add(string.Create(c,
            $"stale DMA {(s.IsWrite ? "write" : "read")}: device sid 0x{s.Sid:x}, {Pasid(s.Pasid)}, va 0x{s.Va:x} -> pa 0x{s.Pa:x}; " +
            $"frame 0x{s.Pfn:x} was freed after the translation was cached (generation {s.RememberedGeneration}, now {s.CurrentGeneration})"));
        var history = s.History ?? [];
        int lastInv = -1, lastSyncAfterInv = -1;
        for (int i = 0; i < history.Length; i++)
        {
            if (Covers(history[i], s))
            {
                lastInv = i;
                lastSyncAfterInv = -1;
            }
            else if (lastInv >= 0 && history[i].StartsWith("CMD_SYNC", StringComparison.Ordinal))
            {
                lastSyncAfterInv = i;
            }
        }
        string cause = history.Length == 0
            ? "cause: unknown (no command history was recorded)"
            : lastInv < 0
                ? string.Create(c, $"cause: missing invalidation: no CMD_ATC_INV for {Pasid(s.Pasid)} covering va 0x{s.Va:x} among the last {history.Length} commands")
                : lastSyncAfterInv < 0
                    ? $"cause: late invalidation: '{history[lastInv]}' was queued but no CMD_SYNC waited for it before the frame was reused"
                    : $"cause: the invalidation '{history[lastInv]}' completed, yet the device used a translation it should have removed (a device-side bug: its ATC kept the entry, or it answered before the DMAs in flight through it had drained)";
        lines.Add("  " + cause);
        if (verbose)
        {
            lines.Add("  command history, oldest first:");
            foreach (string h in history)
            {
                lines.Add("    " + h);
            }
            return;
        }
        // The commands about this page or device (TLBI for the address, ATC_INV for the device), and
        // the CMD_SYNC that closed the last of them: what a driver developer looks for first.
        var relevant = new List<string>();
        bool syncAfter = false;
        for (int i = history.Length - 1; i >= 0 && relevant.Count < RelevantCommands; i--)
        {
            if (Relevant(history[i], s))
            {
                relevant.Add(history[i]);
            }
            else if (relevant.Count == 0 && !syncAfter && history[i].StartsWith("CMD_SYNC", StringComparison.Ordinal))
            {
                relevant.Add(history[i]);
                syncAfter = true;
            }
        }
        if (relevant.Count > (syncAfter ? 1 : 0))
        {
            relevant.Reverse();
            lines.Add("  last relevant commands: " + string.Join("; ", relevant));
        }
    }

    private static string Pasid(uint pasid) => pasid == uint.MaxValue ? "no PASID" : string.Create(CultureInfo.InvariantCulture, $"PASID {pasid}");

    /// <summary>A CMD_ATC_INV of this device and PASID whose range holds the address.</summary>
    internal static bool Covers(string command, StaleAccess s)
    {
        var m = AtcInv().Match(command);
        if (!m.Success || ulong.Parse(m.Groups["sid"].Value, NumberStyles.HexNumber, CultureInfo.InvariantCulture) != s.Sid)
        {
            return false;
        }
        if (m.Groups["ssid"].Success && s.Pasid != uint.MaxValue &&
            ulong.Parse(m.Groups["ssid"].Value, NumberStyles.HexNumber, CultureInfo.InvariantCulture) != s.Pasid && !m.Groups["global"].Success)
        {
            return false;
        }
        ulong addr = ulong.Parse(m.Groups["addr"].Value, NumberStyles.HexNumber, CultureInfo.InvariantCulture);
        int size = int.Parse(m.Groups["size"].Value, CultureInfo.InvariantCulture);
        if (size >= 52)
        {
            return true; // the whole address space
        }
        ulong span = 1UL << (12 + size);
        return s.Va >= (addr & ~(span - 1)) && s.Va - (addr & ~(span - 1)) < span;
    }

    private static bool Relevant(string command, StaleAccess s) =>
        Covers(command, s) ||
        (command.StartsWith("CMD_ATC_INV", StringComparison.Ordinal) && command.Contains(string.Create(CultureInfo.InvariantCulture, $"sid={s.Sid:x}"), StringComparison.Ordinal)) ||
        (command.StartsWith("CMD_TLBI", StringComparison.Ordinal) && command.Contains(string.Create(CultureInfo.InvariantCulture, $"va={s.Va & ~0xfffUL:x} "), StringComparison.Ordinal));

    [GeneratedRegex(@"^CMD_ATC_INV sid=(?<sid>[0-9a-f]+)(?: ssid=(?<ssid>[0-9a-f]+))? addr=(?<addr>[0-9a-f]+) size=(?<size>\d+)(?<global> global)?")]
    private static partial Regex AtcInv();
}

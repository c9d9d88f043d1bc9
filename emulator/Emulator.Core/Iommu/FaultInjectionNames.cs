using System.Text;

namespace Emulator.Core.Iommu;

/// <summary>The fixed user-facing names of <see cref="FaultInjection"/> switches: parsing (a
/// comma-separated list) and formatting.</summary>
public static class FaultInjectionNames
{
    public const string SkipAtcInv = "skip-atc-inv";
    public const string SkipTlbi = "skip-tlbi";
    public const string SkipCfgi = "skip-cfgi";
    public const string SkipSyncWait = "skip-sync-wait";
    public const string CompleteBeforeDrain = "complete-before-drain";

    /// <summary>Every valid name, in flag order.</summary>
    public static IReadOnlyList<string> All { get; } = [SkipAtcInv, SkipTlbi, SkipCfgi, SkipSyncWait, CompleteBeforeDrain];

    /// <summary>The switch one name stands for.</summary>
    /// <returns>false for an unknown name (matching is exact and case-sensitive, as on the CLI).</returns>
    public static bool TryParseOne(ReadOnlySpan<char> name, out FaultInjection fault)
    {
        fault = name switch
        {
            SkipAtcInv => FaultInjection.SkipAtcInv,
            SkipTlbi => FaultInjection.SkipTlbi,
            SkipCfgi => FaultInjection.SkipCfgi,
            SkipSyncWait => FaultInjection.SkipSyncWait,
            CompleteBeforeDrain => FaultInjection.CompleteBeforeDrain,
            _ => FaultInjection.None,
        };
        return fault != FaultInjection.None;
    }

    /// <summary>Parses a comma-separated list of names (spaces around names are ignored; an empty
    /// list is <see cref="FaultInjection.None"/>).</summary>
    /// <param name="text">For example <c>"skip-atc-inv,skip-sync-wait"</c>.</param>
    /// <param name="faults">The union of the switches named.</param>
    /// <param name="error">On failure, a message naming the bad entry and listing the valid names.</param>
    /// <returns>false when an entry is not a valid name; an unknown name is a value, not an exception.</returns>
    public static bool TryParse(string? text, out FaultInjection faults, out string? error)
    {
        faults = FaultInjection.None;
        error = null;
        if (string.IsNullOrWhiteSpace(text))
        {
            return true;
        }
        foreach (string part in text.Split(','))
        {
            ReadOnlySpan<char> name = part.AsSpan().Trim();
            if (!TryParseOne(name, out FaultInjection one))
            {
                error = $"unknown fault-injection switch '{name}'; valid names: {string.Join(", ", All)}";
                faults = FaultInjection.None;
                return false;
            }
            faults |= one;
        }
        return true;
    }

    /// <summary>The switches as a comma-separated list of names, in flag order; "" for none.</summary>
    public static string Format(FaultInjection faults)
    {
        var sb = new StringBuilder();
        for (int bit = 0; bit < All.Count; bit++)
        {
            if (((int)faults & (1 << bit)) != 0)
            {
                if (sb.Length > 0)
                {
                    sb.Append(',');
                }
                sb.Append(All[bit]);
            }
        }
        return sb.ToString();
    }
}

namespace Emulator.Cli.Tracing;

/// <summary>What <c>--trace</c>, <c>--trace-file</c>, <c>--timeline</c> and <c>--stats</c> asked for.</summary>
/// <param name="Patterns">The <c>--trace</c> patterns (<c>list</c> lists the events), or null.</param>
/// <param name="TraceFile">Where trace lines go (default stderr; <c>-</c> stdout).</param>
/// <param name="Timeline">The Perfetto JSON file, or null.</param>
/// <param name="Stats">Print the statistics.</param>
internal sealed record TraceSettings(string? Patterns, string? TraceFile, string? Timeline, bool Stats)
{
    public static TraceSettings Off { get; } = new(null, null, null, false);

    /// <summary>Anything to collect at all.</summary>
    public bool Any => Patterns is not null || Timeline is not null || Stats;

    /// <summary><c>--trace list</c>.</summary>
    public bool List => Patterns == "list";
}

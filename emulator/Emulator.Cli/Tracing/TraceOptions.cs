using System.CommandLine;

namespace Emulator.Cli.Tracing;

/// <summary>The tracing options <c>boot</c> and <c>replay</c> share.</summary>
internal sealed class TraceOptions
{
    private readonly Option<string?> _trace = new("--trace")
    {
        Description = "Write one line per trace event matching PATTERN[,PATTERN...] (e.g. smmu_cmd*, notifier_*, atc_*, board_*; all) to stderr or --trace-file; 'list' lists the events",
        HelpName = "patterns|list",
    };

    private readonly Option<string?> _traceFile = new("--trace-file") { Description = "Where --trace writes (- for stdout)", HelpName = "file" };

    private readonly Option<string?> _timeline = new("--timeline")
    {
        Description = "Write a Chrome/Perfetto trace-event JSON timeline (open in ui.perfetto.dev): tracks per vCPU, notifier, SMMU queue, device ATC and board link; each invalidation as a flow",
        HelpName = "file.json",
    };

    private readonly Option<bool> _stats = new("--stats")
    {
        Description = "Print statistics: invalidation latency (virtual cycles), commands per invalidation, ATC hit rate, PRI round trips",
    };

    public void AddTo(Command command)
    {
        command.Add(_trace);
        command.Add(_traceFile);
        command.Add(_timeline);
        command.Add(_stats);
    }

    public TraceSettings Read(ParseResult parse) =>
        new(parse.GetValue(_trace), parse.GetValue(_traceFile), parse.GetValue(_timeline), parse.GetValue(_stats));
}

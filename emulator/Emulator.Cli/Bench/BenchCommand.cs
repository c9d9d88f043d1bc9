using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using System.Text.Json;
using Spectre.Console;
using Emulator.Cli.Shell;

namespace Emulator.Cli.Bench;

/// <summary><c>emulator bench [--json] [--quick] [--check] [NAME...]</c>.</summary>
internal static class BenchCommand
{
    /// <summary>Every benchmark, in the order they run. Later issues add theirs here.</summary>
    internal static Benchmark[] All() =>
    [
        new TlbHitBenchmark(),
        new PageWalkBenchmark(),
        new IntervalDispatchBenchmark(),
        new MunmapBenchmark(),
        new E2eInvalidatePageBenchmark(),
        new MunmapBoundBenchmark(),
        new AtcHitDmaBenchmark(),
        new GuestMipsBenchmark(),
        new GuestVsQemuBenchmark(),
        new BusyboxVsQemuBenchmark(),
        new ExploreSchedulesBenchmark(),
        new E2eInvalidateInflightBenchmark(),
        new PctFindDepth2Benchmark(),
        ReplayBenchmark.Cpu(),
        ReplayBenchmark.Sva(),
        new StraceImportBenchmark(),
        new BoardBatchedTcpBenchmark(),
        new BoardSyncRttBenchmark(),
        new RtlCyclesPerInvBenchmark(),
        new RtlFmaxIce40Benchmark(),
        new BoardBatchedRtlBenchmark(),
        new TraceOverheadBenchmark(),
        FuzzBenchmark.Trace(), FuzzBenchmark.Frames(), new StubSoakBenchmark(),
        new TranslateCostBenchmark(),
        new GuestStartupBenchmark(),
    ];

    public static Command Create() => Create(CliContext.FromConsole());

    public static Command Create(CliContext context)
    {
        var json = new Option<bool>("--json") { Description = "Print one JSON array of {name, value, unit, target} on stdout instead of the table" };
        var quick = new Option<bool>("--quick") { Description = "Short measurements: the whole run stays under a minute" };
        var check = new Option<bool>("--check") { Description = "Exit 1 when a figure misses its target" };
        var names = new Argument<string[]>("name") { Description = "Benchmarks to run (default: all)", Arity = ArgumentArity.ZeroOrMore };
        var cpuMode = CpuModeOption.Create();
        var cmd = new Command("bench", "Measure the speed targets (build with -c Release for meaningful figures)." +
            ExitCodes.Help("--check and a figure missed its target") + " Ctrl-C prints the figures measured so far.")
        {
            json, quick, check, cpuMode, names,
        };
        cmd.SetAction(parse =>
        {
            if (StrictParser.OptionLikeArgument(parse, names) is { } unknown)
            {
                return StrictParser.UsageError(parse, EmulatorCli.Program, context.Stderr, $"unknown option '{unknown}'");
            }
            using var interrupt = Interrupt.Listen();
            using var modeScope = CpuModeOption.Use(parse, cpuMode);
            return Run(parse.GetValue(names) ?? [], parse.GetValue(json), parse.GetValue(quick), parse.GetValue(check),
                context.Out(parse), context.Stdout, context.Stderr, context.ShowProgress ? context.Err(parse) : null, interrupt);
        });
        return cmd;
    }

    internal static int Run(string[] names, bool json, bool quick, bool check) =>
        Run(names, json, quick, check, AnsiConsole.Console, Console.Out, Console.Error, null, null);

    /// <summary>Runs the selected benchmarks.</summary>
    /// <param name="names">Benchmarks to run (all when empty).</param>
    /// <param name="json">JSON on <paramref name="stdout"/> instead of the table.</param>
    /// <param name="quick">Short measurements.</param>
    /// <param name="check">Exit 1 when a target is missed.</param>
    /// <param name="console">The table (stdout).</param>
    /// <param name="stdout">The JSON.</param>
    /// <param name="stderr">Progress lines when not on a terminal, warnings, errors.</param>
    /// <param name="progress">A terminal console on stderr for a progress bar, or null.</param>
    /// <param name="interrupt">Ctrl-C: stop after the benchmark in hand, print what was measured, exit 130.</param>
    internal static int Run(string[] names, bool json, bool quick, bool check, IAnsiConsole console, TextWriter stdout, TextWriter stderr,
        IAnsiConsole? progress, Interrupt? interrupt)
    {
        var all = All();
        var selected = new List<Benchmark>();
        foreach (var name in names)
        {
            var b = Array.Find(all, x => x.Name == name);
            if (b is null)
            {
                stderr.WriteLine($"emulator bench: unknown benchmark '{name}'; known: {string.Join(", ", all.Select(x => x.Name))}");
                return ExitCodes.Usage;
            }
            selected.Add(b);
        }
        if (selected.Count == 0)
        {
            selected.AddRange(all);
        }
        if (IsDebugBuild())
        {
            stderr.WriteLine("emulator bench: warning: this is a Debug build; figures are not representative (use dotnet run -c Release)");
        }

        var results = new List<BenchResult>();
        if (progress is not null)
        {
            progress.Progress().AutoClear(true).Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new ElapsedTimeColumn()).Start(ctx =>
            {
                var task = ctx.AddTask("bench", maxValue: selected.Count);
                foreach (var b in selected)
                {
                    task.Description = Markup.Escape(b.Name);
                    results.Add(b.Run(quick));
                    task.Increment(1);
                    if (interrupt?.Requested == true)
                    {
                        break;
                    }
                }
            });
        }
        else
        {
            foreach (var b in selected)
            {
                stderr.WriteLine($"running {b.Name}: {b.Description}");
                results.Add(b.Run(quick));
                if (interrupt?.Requested == true)
                {
                    break;
                }
            }
        }

        if (json)
        {
            stdout.WriteLine(ToJson(results));
        }
        else
        {
            var table = new Table().AddColumns("benchmark", "value", "unit", "target", "", "detail");
            foreach (var r in results)
            {
                table.AddRow(
                    r.Name,
                    Format(r.Value),
                    r.Unit,
                    (r.HigherIsBetter ? "≥ " : "≤ ") + Format(r.Target),
                    r.MeetsTarget ? "[green]met[/]" : "[red]MISSED[/]",
                    Markup.Escape(r.Detail ?? ""));
            }
            console.Write(table);
        }
        if (interrupt?.Requested == true)
        {
            stderr.WriteLine($"emulator bench: interrupted after {results.Count} of {selected.Count} benchmarks");
            return ExitCodes.Interrupted;
        }
        return check && results.Exists(r => !r.MeetsTarget) ? ExitCodes.Finding : ExitCodes.Success;
    }

    internal static string ToJson(IReadOnlyList<BenchResult> results)
    {
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = false }))
        {
            w.WriteStartArray();
            foreach (var r in results)
            {
                w.WriteStartObject();
                w.WriteString("name", r.Name);
                w.WriteNumber("value", r.Value);
                w.WriteString("unit", r.Unit);
                w.WriteNumber("target", r.Target);
                if (r.Detail is not null)
                {
                    w.WriteString("detail", r.Detail);
                }
                w.WriteEndObject();
            }
            w.WriteEndArray();
        }
        return System.Text.Encoding.UTF8.GetString(stream.ToArray());
    }

    private static string Format(double v) =>
        v >= 1e6 ? v.ToString("0.00e0", CultureInfo.InvariantCulture) : v.ToString("0.###", CultureInfo.InvariantCulture);

    private static bool IsDebugBuild() =>
        typeof(Emulator.Core.Machine).Assembly.GetCustomAttribute<DebuggableAttribute>()?.IsJITOptimizerDisabled == true;
}

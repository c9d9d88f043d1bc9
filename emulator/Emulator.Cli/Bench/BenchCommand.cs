using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using System.Text.Json;
using Spectre.Console;

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
        ReplayBenchmark.Cpu(),
        ReplayBenchmark.Sva(),
        new StraceImportBenchmark(),
        new BoardBatchedTcpBenchmark(),
        new BoardSyncRttBenchmark(),
        new RtlCyclesPerInvBenchmark(),
        new RtlFmaxIce40Benchmark(),
        new BoardBatchedRtlBenchmark(),
        FuzzBenchmark.Trace(), FuzzBenchmark.Frames(), new StubSoakBenchmark(),
    ];

    public static Command Create()
    {
        var json = new Option<bool>("--json") { Description = "Print one JSON array of {name, value, unit, target}" };
        var quick = new Option<bool>("--quick") { Description = "Short measurements: the whole run stays under a minute" };
        var check = new Option<bool>("--check") { Description = "Exit 1 when a figure misses its target" };
        var names = new Argument<string[]>("NAME") { Description = "Benchmarks to run (default: all)", Arity = ArgumentArity.ZeroOrMore };
        var cmd = new Command("bench", "Measure the speed targets") { json, quick, check, names };
        cmd.SetAction(parse => Run(parse.GetValue(names) ?? [], parse.GetValue(json), parse.GetValue(quick), parse.GetValue(check)));
        return cmd;
    }

    internal static int Run(string[] names, bool json, bool quick, bool check)
    {
        var all = All();
        var selected = new List<Benchmark>();
        foreach (var name in names)
        {
            var b = Array.Find(all, x => x.Name == name);
            if (b is null)
            {
                Console.Error.WriteLine($"emulator bench: unknown benchmark '{name}'; known: {string.Join(", ", all.Select(x => x.Name))}");
                return 2;
            }
            selected.Add(b);
        }
        if (selected.Count == 0)
        {
            selected.AddRange(all);
        }
        if (IsDebugBuild())
        {
            Console.Error.WriteLine("emulator bench: warning: this is a Debug build; figures are not representative (use dotnet run -c Release)");
        }

        var results = new List<BenchResult>();
        foreach (var b in selected)
        {
            if (!json)
            {
                AnsiConsole.MarkupLineInterpolated($"[grey]running {b.Name}: {b.Description}[/]");
            }
            results.Add(b.Run(quick));
        }

        if (json)
        {
            Console.WriteLine(ToJson(results));
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
            AnsiConsole.Write(table);
        }
        return check && results.Exists(r => !r.MeetsTarget) ? 1 : 0;
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

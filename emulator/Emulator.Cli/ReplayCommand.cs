using System.CommandLine;
using System.Text.Json;
using Emulator.Core.Iommu;
using Emulator.Core.Trace;
using Emulator.Core.Trace.Replay;
using Spectre.Console;

namespace Emulator.Cli;

/// <summary>
/// <c>emulator replay PATH... [--inject NAME]... [--json] [--backend sim|board] [--config FILE]</c>:
/// replays v1 traces (docs/trace-format.md). Exit 0 when every trace passes, 1 when an expectation
/// fails (<c>file:line: expected … got …</c>), 2 for malformed input (<c>file:line:col: message</c>;
/// nothing from that file is replayed) or bad options.
/// </summary>
internal static class ReplayCommand
{
    public const int Passed = 0;
    public const int Failed = 1;
    public const int Usage = 2;

    public static Command Create()
    {
        var paths = new Argument<string[]>("PATH")
        {
            Description = "Trace files, or directories whose *.trace files (recursively, sorted) are replayed",
            Arity = ArgumentArity.OneOrMore,
        };
        var inject = new Option<string[]>("--inject")
        {
            Description = "Fault-injection switch added to every trace (repeatable): " + string.Join(", ", FaultInjectionNames.All),
            AllowMultipleArgumentsPerToken = false,
        };
        var json = new Option<bool>("--json") { Description = "Print one JSON array of {file, passed, statements, failures}" };
        var backend = new Option<string?>("--backend") { Description = "sim (the model) or board; default: the configuration's (sim without --config)" };
        backend.AcceptOnlyFromAmong("sim", "board");
        var config = new Option<string?>("--config") { Description = "Hardware configuration file (hw-config.yaml)" };
        var cmd = new Command("replay", "Replay v1 traces and check their expectations") { paths, inject, json, backend, config };
        cmd.SetAction(parse => Run(
            new ReplayArgs(parse.GetValue(paths) ?? [], parse.GetValue(inject) ?? [], parse.GetValue(json),
                parse.GetValue(backend), parse.GetValue(config)),
            AnsiConsole.Console, Console.Out, Console.Error,
            progress: AnsiConsole.Profile.Capabilities.Interactive && !Console.IsOutputRedirected));
        return cmd;
    }

    /// <summary>The command's options, already split from the command line.</summary>
    internal sealed record ReplayArgs(string[] Paths, string[] Inject, bool Json = false, string? Backend = null, string? Config = null);

    /// <summary>One trace's outcome: <see cref="Errors"/> when it did not parse, else <see cref="Result"/>.</summary>
    /// <remarks><see cref="BoardFailures"/>: lockstep found the board holding translations the model
    /// invalidated (board backend only); each fails the trace.</remarks>
    internal sealed record TraceOutcome(string File, IReadOnlyList<TraceError> Errors, ReplayResult? Result)
    {
        public IReadOnlyList<string> BoardFailures { get; init; } = [];
        public bool Malformed => Errors.Count > 0;
        public bool Passed => !Malformed && Result is { Passed: true } && BoardFailures.Count == 0;
        public int Statements => Result?.StatementsRun ?? 0;
        public IEnumerable<string> Messages => Malformed ? Errors.Select(e => e.ToString())
            : Result!.Failures.Select(f => f.ToString()).Concat(BoardFailures.Select(m => $"{File}: {m}"));
    }

    /// <summary>Runs the command; <paramref name="console"/> gets the progress bar and summary table,
    /// <paramref name="stdout"/> the failures (or the JSON), <paramref name="stderr"/> option and parse errors.</summary>
    internal static int Run(ReplayArgs args, IAnsiConsole console, TextWriter stdout, TextWriter stderr, bool progress = false)
    {
        var config = BoardSetup.Load("replay", args.Config, args.Backend, null, stderr);
        if (config is null)
        {
            return Usage;
        }
        var faults = FaultInjection.None;
        foreach (var name in args.Inject)
        {
            if (!FaultInjectionNames.TryParse(name, out var one, out var error))
            {
                stderr.WriteLine($"emulator replay: --inject {name}: {error}");
                return Usage;
            }
            faults |= one;
        }
        if (!TryCollect(args.Paths, stderr, out var files))
        {
            return Usage;
        }
        if (files.Count == 0)
        {
            stderr.WriteLine("emulator replay: no *.trace files found in " + string.Join(" ", args.Paths));
            return Usage;
        }

        using var board = BoardRun.Open("replay", config, stderr, out bool boardFailed);
        if (boardFailed)
        {
            return Usage;
        }
        var options = new ReplayOptions { Inject = faults };
        if (board is not null)
        {
            options = options with { Defaults = options.Defaults with { Backend = board.Create } };
        }
        TraceOutcome One(string f)
        {
            var o = ReplayOne(f, options);
            return board is null || o.Malformed ? o : o with { BoardFailures = board.BoardOnlyDivergences() };
        }
        var outcomes = new List<TraceOutcome>(files.Count);
        if (progress && !args.Json && files.Count > 1)
        {
            console.Progress().Start(ctx =>
            {
                var task = ctx.AddTask("replaying", maxValue: files.Count);
                foreach (var f in files)
                {
                    task.Description = Markup.Escape(Path.GetFileName(f));
                    outcomes.Add(One(f));
                    task.Increment(1);
                }
            });
        }
        else
        {
            foreach (var f in files)
            {
                outcomes.Add(One(f));
            }
        }
        if (board is not null && !args.Json)
        {
            var st = board.Link.Stats;
            console.MarkupLineInterpolated($"board {board.Link.Description}: {st.Invalidations} ATC_INVs, {st.Completed} completed, {st.Syncs} SYNCs ({st.SyncTimeouts} timed out), {st.Resent} re-sent, {st.Reconnects} reconnects; lockstep {(board.Lockstep ? "on" : "off")}");
        }

        if (args.Json)
        {
            stdout.WriteLine(ToJson(outcomes));
        }
        else
        {
            Report(outcomes, console, stdout, stderr);
        }
        return ExitCode(outcomes);
    }

    /// <summary>2 when any trace is malformed, else 1 when any failed, else 0.</summary>
    internal static int ExitCode(IReadOnlyList<TraceOutcome> outcomes) =>
        outcomes.Any(o => o.Malformed) ? Usage : outcomes.All(o => o.Passed) ? Passed : Failed;

    internal static TraceOutcome ReplayOne(string file, ReplayOptions options)
    {
        Emulator.Core.Trace.ParseResult parsed;
        try
        {
            parsed = TraceParser.ParseFile(file);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return new TraceOutcome(file, [new TraceError(file, 0, 0, e.Message)], null);
        }
        if (!parsed.Success)
        {
            return new TraceOutcome(file, parsed.Errors, null);
        }
        return new TraceOutcome(file, [], TraceReplayer.Run(file, parsed, options));
    }

    /// <summary>Expands PATH arguments: files as given, directories to their <c>*.trace</c> files
    /// (recursively), sorted ordinally within each directory.</summary>
    internal static bool TryCollect(IEnumerable<string> paths, TextWriter stderr, out List<string> files)
    {
        files = [];
        foreach (var p in paths)
        {
            if (Directory.Exists(p))
            {
                var found = Directory.GetFiles(p, "*.trace", SearchOption.AllDirectories);
                Array.Sort(found, StringComparer.Ordinal);
                files.AddRange(found);
            }
            else if (File.Exists(p))
            {
                files.Add(p);
            }
            else
            {
                stderr.WriteLine($"emulator replay: {p}: no such file or directory");
                return false;
            }
        }
        return true;
    }

    /// <summary>Failures go to <paramref name="stdout"/> verbatim (never wrapped, so tools can parse
    /// <c>file:line:</c>), parse errors to <paramref name="stderr"/>, then the summary table.</summary>
    private static void Report(IReadOnlyList<TraceOutcome> outcomes, IAnsiConsole console, TextWriter stdout, TextWriter stderr)
    {
        foreach (var o in outcomes)
        {
            if (o.Malformed)
            {
                foreach (var e in o.Errors)
                {
                    stderr.WriteLine(e.ToString());
                }
            }
            else
            {
                foreach (var m in o.Messages)
                {
                    stdout.WriteLine(m);
                }
            }
        }
        var table = new Table().AddColumns("trace", "statements", "result", "failures");
        foreach (var o in outcomes)
        {
            string result = o.Malformed ? "[yellow]malformed[/]" : o.Passed ? "[green]passed[/]" : "[red]FAILED[/]";
            int count = o.Malformed ? o.Errors.Count : o.Result!.Failures.Count + o.BoardFailures.Count;
            table.AddRow(Markup.Escape(o.File), o.Statements.ToString(), result, count.ToString());
        }
        console.Write(table);
        int passed = outcomes.Count(o => o.Passed);
        console.MarkupLineInterpolated($"{passed} of {outcomes.Count} traces passed");
    }

    /// <summary>One JSON array of <c>{file, passed, statements, failures:[...]}</c>; a malformed
    /// trace has <c>passed: false</c>, 0 statements and its parse errors as failures.</summary>
    internal static string ToJson(IReadOnlyList<TraceOutcome> outcomes)
    {
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartArray();
            foreach (var o in outcomes)
            {
                w.WriteStartObject();
                w.WriteString("file", o.File);
                w.WriteBoolean("passed", o.Passed);
                w.WriteNumber("statements", o.Statements);
                w.WriteStartArray("failures");
                foreach (var m in o.Messages)
                {
                    w.WriteStringValue(m);
                }
                w.WriteEndArray();
                w.WriteEndObject();
            }
            w.WriteEndArray();
        }
        return System.Text.Encoding.UTF8.GetString(stream.ToArray());
    }
}

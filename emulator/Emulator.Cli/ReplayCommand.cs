using System.CommandLine;
using System.Text.Json;
using System.Text.RegularExpressions;
using Emulator.Cli.Shell;
using Emulator.Core.Iommu;
using Emulator.Core.Trace;
using Emulator.Core.Trace.Replay;
using Spectre.Console;

namespace Emulator.Cli;

/// <summary>
/// <c>emulator replay PATH... [--inject NAME]... [--json] [--backend sim|board] [--config FILE]</c>:
/// replays v1 traces (docs/trace-format.md), each on a fresh machine. Results stream to stdout as each
/// trace finishes (<c>file:line: expected … got …</c>), then a summary table; parse errors
/// (<c>file:line:col: message</c>), warnings and progress go to stderr. Exit codes: <see cref="ExitCodes"/>.
/// </summary>
internal static partial class ReplayCommand
{
    public const int Passed = ExitCodes.Success;
    public const int Failed = ExitCodes.Finding;
    public const int Usage = ExitCodes.Usage;

    public static Command Create() => Create(CliContext.FromConsole());

    public static Command Create(CliContext context)
    {
        var paths = new Argument<string[]>("path")
        {
            Description = "Trace files (- for stdin), or directories whose *.trace files (recursively, sorted) are replayed",
            Arity = ArgumentArity.OneOrMore,
        };
        var inject = new Option<string[]>("--inject")
        {
            Description = "Fault-injection switch added to every trace (repeatable): " + string.Join(", ", FaultInjectionNames.All),
            HelpName = "name",
            AllowMultipleArgumentsPerToken = false,
        };
        var json = new Option<bool>("--json") { Description = "Print one JSON array of {file, passed, statements, failures} on stdout instead of the table" };
        var backend = new Option<string?>("--backend") { Description = "sim (the model) or board; default: the configuration's (sim without --config)", HelpName = "sim|board" };
        backend.AcceptOnlyFromAmong("sim", "board");
        var config = new Option<string?>("--config") { Description = "Hardware configuration file (hw-config.yaml)", HelpName = "file" };
        var verbose = new Option<bool>("--verbose", "-v") { Description = "Oracle findings with their whole command history" };
        var tracing = new Tracing.TraceOptions();
        var cmd = new Command("replay",
            "Replay v1 traces and check their expectations." +
            ExitCodes.Help("an expectation failed, the oracle fired or lockstep diverged") +
            " Malformed traces (2) and unreadable files (3) win over failed expectations; Ctrl-C prints the traces that finished.")
        {
            paths, inject, json, backend, config, verbose,
        };
        tracing.AddTo(cmd);
        cmd.SetAction(parse =>
        {
            if (StrictParser.OptionLikeArgument(parse, paths) is { } unknown)
            {
                return StrictParser.UsageError(parse, EmulatorCli.Program, context.Stderr, $"unknown option '{unknown}'");
            }
            using var interrupt = Interrupt.Listen();
            return Run(
                new ReplayArgs(parse.GetValue(paths) ?? [], parse.GetValue(inject) ?? [], parse.GetValue(json),
                    parse.GetValue(backend), parse.GetValue(config)) { Verbose = parse.GetValue(verbose), Tracing = tracing.Read(parse) },
                context.Out(parse), context.Stdout, context.Stderr,
                progress: context.ShowProgress, interrupt: interrupt, progressConsole: context.Err(parse),
                stdin: context.Stdin, sharedTerminal: context.StdoutIsTerminal && context.StderrIsTerminal);
        });
        return cmd;
    }

    /// <summary>The command's options, already split from the command line.</summary>
    internal sealed record ReplayArgs(string[] Paths, string[] Inject, bool Json = false, string? Backend = null, string? Config = null)
    {
        public bool Verbose { get; init; }
        public Tracing.TraceSettings Tracing { get; init; } = Cli.Tracing.TraceSettings.Off;
    }

    /// <summary>One trace's outcome: <see cref="Errors"/> when it did not parse or could not be read,
    /// else <see cref="Result"/>.</summary>
    /// <remarks><see cref="BoardFailures"/>: lockstep found the board holding translations the model
    /// invalidated (board backend only); each fails the trace.</remarks>
    internal sealed record TraceOutcome(string File, IReadOnlyList<TraceError> Errors, ReplayResult? Result)
    {
        public IReadOnlyList<string> BoardFailures { get; init; } = [];

        /// <summary>The file could not be read (exit 3), as opposed to malformed (exit 2).</summary>
        public bool Unreadable { get; init; }

        /// <summary>The oracle's findings, readable (indented under the failure that reported them).</summary>
        public IReadOnlyList<string> OracleLines { get; init; } = [];

        public bool Malformed => Errors.Count > 0 && !Unreadable;
        public bool Passed => Errors.Count == 0 && Result is { Passed: true } && BoardFailures.Count == 0;
        public int Statements => Result?.StatementsRun ?? 0;
        public IEnumerable<string> Messages => Errors.Count > 0 ? Errors.Select(e => e.ToString())
            : Result!.Failures.Select(f => f.ToString()).Concat(BoardFailures.Select(m => $"{File}: {m}"));
    }

    /// <summary>Runs the command.</summary>
    /// <param name="args">The options.</param>
    /// <param name="console">The summary table (stdout).</param>
    /// <param name="stdout">Failures as they happen, or the JSON.</param>
    /// <param name="stderr">Option and parse errors, warnings.</param>
    /// <param name="progress">Draw a progress bar on <paramref name="progressConsole"/> (a terminal).</param>
    /// <param name="interrupt">Ctrl-C: stop after the trace in hand, report, exit 130.</param>
    /// <param name="progressConsole">Where the progress bar goes (stderr's console).</param>
    /// <param name="stdin">Read for the path <c>-</c>.</param>
    /// <param name="sharedTerminal">stdout and stderr are the same terminal: results are written through
    /// the progress display so they do not tear it.</param>
    internal static int Run(ReplayArgs args, IAnsiConsole console, TextWriter stdout, TextWriter stderr, bool progress = false,
        Interrupt? interrupt = null, IAnsiConsole? progressConsole = null, TextReader? stdin = null, bool sharedTerminal = false)
    {
        if (args.Tracing.List)
        {
            Tracing.TraceRun.List(stdout);
            return ExitCodes.Success;
        }
        var config = BoardSetup.Load("replay", args.Config, args.Backend, null, stderr, out int configCode);
        if (config is null)
        {
            return configCode;
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
        var context = new CliContext(stdout, stderr, stdin ?? TextReader.Null, false, false, true);
        using var tracing = Tracing.TraceRun.Open("replay", args.Tracing, context, out int traceCode);
        if (traceCode != ExitCodes.Success)
        {
            return traceCode;
        }
        int collect = Collect(args.Paths, stderr, out var files);
        if (collect != ExitCodes.Success)
        {
            return collect;
        }
        if (files.Count == 0)
        {
            stderr.WriteLine("emulator replay: no *.trace files found in " + string.Join(" ", args.Paths));
            return Usage;
        }

        using var board = BoardRun.Open("replay", config, stderr, out bool boardFailed, tracing?.Session);
        if (boardFailed)
        {
            return ExitCodes.Environment;
        }
        var options = new ReplayOptions { Inject = faults };
        if (board is not null)
        {
            options = options with { Defaults = options.Defaults with { Backend = board.Create } };
        }
        var outcomes = new List<TraceOutcome>(files.Count);
        string? lost = null;
        bool interrupted = false;

        // Each trace's results are printed as soon as it finishes.
        void One(string f, Action<string> result)
        {
            var o = ReplayOne(f, options, stdin, args.Verbose, board, tracing);
            if (board is not null && !o.Malformed && !o.Unreadable)
            {
                o = o with { BoardFailures = board.Failures() };
            }
            outcomes.Add(o);
            if (!args.Json)
            {
                WriteResults(o, result, stderr);
            }
            lost = board?.GoneReason;
        }
        bool Stop() => lost is not null || (interrupted = interrupt?.Requested == true);

        if (progress && !args.Json && files.Count > 1 && progressConsole is not null)
        {
            progressConsole.Progress().AutoClear(true).Columns(
                new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn()).Start(ctx =>
            {
                var task = ctx.AddTask("replaying", maxValue: files.Count);
                foreach (var f in files)
                {
                    task.Description = Markup.Escape(Path.GetFileName(f));
                    One(f, sharedTerminal ? line => progressConsole.WriteLine(line) : stdout.WriteLine);
                    task.Increment(1);
                    if (Stop())
                    {
                        break;
                    }
                }
            });
        }
        else
        {
            foreach (var f in files)
            {
                One(f, stdout.WriteLine);
                if (Stop())
                {
                    break;
                }
            }
        }
        if (board is not null && !args.Json)
        {
            stderr.WriteLine(BootCommand.BoardLine(board));
        }
        tracing?.Finish();
        if (args.Json)
        {
            stdout.WriteLine(ToJson(outcomes));
        }
        else
        {
            Summarize(outcomes, files.Count, console);
        }
        tracing?.Statistics?.WriteText(args.Json ? stderr : stdout);
        if (lost is not null)
        {
            stderr.WriteLine($"emulator replay: {lost}; stopped after {outcomes.Count} of {files.Count} traces");
            return ExitCodes.Environment;
        }
        if (interrupted)
        {
            stderr.WriteLine($"emulator replay: interrupted after {outcomes.Count} of {files.Count} traces");
            return ExitCodes.Interrupted;
        }
        return ExitCode(outcomes);
    }

    /// <summary>3 when a file could not be read, else 2 when any trace is malformed, else 1 when any failed, else 0.</summary>
    internal static int ExitCode(IReadOnlyList<TraceOutcome> outcomes) =>
        outcomes.Any(o => o.Unreadable) ? ExitCodes.Environment
        : outcomes.Any(o => o.Malformed) ? Usage
        : outcomes.All(o => o.Passed) ? Passed : Failed;

    internal static TraceOutcome ReplayOne(string file, ReplayOptions options) => ReplayOne(file, options, null, false, null, null);

    /// <summary>Parses and replays one trace, statement by statement (so a lost board stops it at once),
    /// with warnings naming the file.</summary>
    internal static TraceOutcome ReplayOne(string file, ReplayOptions options, TextReader? stdin, bool verbose, BoardRun? board, Tracing.TraceRun? tracing)
    {
        using var scope = Emulator.Core.Diagnostics.Log.FileScope(file == CliFiles.StdStream ? "<stdin>" : file);
        string name = file == CliFiles.StdStream ? "<stdin>" : file;
        Emulator.Core.Trace.ParseResult parsed;
        try
        {
            // Streamed a line at a time within the trace limits (docs/design/hardening.md): a device,
            // an oversize file or an endless pipe is a located error in bounded memory, never a read
            // of the whole input.
            parsed = file == CliFiles.StdStream ? TraceParser.Parse(name, stdin ?? Console.In) : TraceParser.ParseFile(file);
        }
        catch (Exception e) when (HostErrors.IsIo(e))
        {
            bool usage = HostErrors.ExitCode(e, file) == ExitCodes.Usage;
            return new TraceOutcome(file, [new TraceError(file, 0, 0, HostErrors.Describe(e, file))], null) { Unreadable = !usage };
        }
        if (!parsed.Success)
        {
            return new TraceOutcome(name, parsed.Errors, null);
        }
        var replayer = TraceReplayer.Start(name, options);
        foreach (var statement in parsed.Statements)
        {
            replayer.Step(statement);
            if (board?.LostReason is not null)
            {
                break;
            }
        }
        var result = replayer.Finish();
        tracing?.CountAtc(replayer.Machine);
        var oracle = replayer.Machine?.Oracle;
        IReadOnlyList<string> oracleLines = oracle is not null && (oracle.Stale > 0 || oracle.Violations > 0) && !result.Passed
            ? OracleReport.Lines(oracle, verbose)
            : [];
        return new TraceOutcome(name, [], result) { OracleLines = oracleLines };
    }

    /// <summary>Expands PATH arguments: files as given (<c>-</c> is stdin), directories to their
    /// <c>*.trace</c> files (recursively), sorted ordinally within each directory.</summary>
    /// <returns>0, or 3 after naming a path that does not exist.</returns>
    internal static int Collect(IEnumerable<string> paths, TextWriter stderr, out List<string> files)
    {
        files = [];
        foreach (var p in paths)
        {
            if (p == CliFiles.StdStream)
            {
                files.Add(p);
            }
            else if (Directory.Exists(p))
            {
                string[] found;
                try
                {
                    found = Directory.GetFiles(p, "*.trace", SearchOption.AllDirectories);
                }
                catch (Exception e) when (HostErrors.IsIo(e))
                {
                    stderr.WriteLine($"emulator replay: {p}: {HostErrors.Describe(e)}");
                    return ExitCodes.Environment;
                }
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
                return ExitCodes.Environment;
            }
        }
        return ExitCodes.Success;
    }

    /// <summary>Kept for callers that only need a yes/no.</summary>
    internal static bool TryCollect(IEnumerable<string> paths, TextWriter stderr, out List<string> files) =>
        Collect(paths, stderr, out files) == ExitCodes.Success;

    /// <summary>One finished trace: failures (verbatim, never wrapped, so tools can parse
    /// <c>file:line:</c>) to <paramref name="result"/>; parse and read errors to <paramref name="stderr"/>.</summary>
    private static void WriteResults(TraceOutcome o, Action<string> result, TextWriter stderr)
    {
        if (o.Errors.Count > 0)
        {
            foreach (var e in o.Errors)
            {
                stderr.WriteLine(o.Unreadable || e.Line == 0 ? $"emulator replay: {o.File}: {e.Message}" : e.ToString());
            }
            return;
        }
        foreach (var m in o.Messages)
        {
            result(o.OracleLines.Count > 0 ? StaleHistory().Replace(m, "") : m);
        }
        foreach (string line in o.OracleLines)
        {
            result("  " + line);
        }
    }

    /// <summary>The table (stdout), then one line: how many passed.</summary>
    private static void Summarize(IReadOnlyList<TraceOutcome> outcomes, int total, IAnsiConsole console)
    {
        var table = new Table().AddColumns("trace", "statements", "result", "failures");
        foreach (var o in outcomes)
        {
            string result = o.Unreadable ? "[yellow]unreadable[/]" : o.Malformed ? "[yellow]malformed[/]" : o.Passed ? "[green]passed[/]" : "[red]FAILED[/]";
            int count = o.Errors.Count > 0 ? o.Errors.Count : o.Result!.Failures.Count + o.BoardFailures.Count;
            table.AddRow(Markup.Escape(o.File), o.Statements.ToString(System.Globalization.CultureInfo.InvariantCulture), result, count.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
        console.Write(table);
        int passed = outcomes.Count(o => o.Passed);
        string of = outcomes.Count == total ? $"{outcomes.Count}" : $"{outcomes.Count} replayed ({total} given)";
        console.MarkupLineInterpolated($"{passed} of {of} traces passed");
    }

    /// <summary>One JSON array of <c>{file, passed, statements, failures:[...]}</c>; a malformed
    /// trace has <c>passed: false</c>, 0 statements and its parse errors as failures.</summary>
    internal static string ToJson(IReadOnlyList<TraceOutcome> outcomes)
    {
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
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

    /// <summary>The command history a stale access carries (hundreds of characters); the readable
    /// oracle report below the failure replaces it.</summary>
    [GeneratedRegex(@" after \[[^\]]*\]")]
    private static partial Regex StaleHistory();
}

using System.CommandLine;
using System.Text;
using Emulator.Core.Trace;
using Emulator.Core.Trace.Strace;
using Emulator.Cli.Shell;
using Spectre.Console;

namespace Emulator.Cli;

/// <summary>
/// <c>emulator trace import-strace LOG -o OUT.trace [--device NAME --dma-probe N --seed S]</c>:
/// converts an <c>strace -f -e trace=%memory,%process</c> log into a v1 trace (docs/strace-import.md).
/// Exit 0 when written; 2 for a malformed log (every bad line as <c>file:line:col: message</c>, and
/// nothing written), an unreadable log or bad options.
/// </summary>
internal static class TraceCommand
{
    public const int Ok = ExitCodes.Success;
    public const int Usage = ExitCodes.Usage;

    public static Command Create() => Create(CliContext.FromConsole());

    public static Command Create(CliContext context)
    {
        var cmd = new Command("trace", "Work with v1 trace files");
        cmd.Add(CreateImportStrace(context));
        return cmd;
    }

    private static Command CreateImportStrace(CliContext context)
    {
        var log = new Argument<string>("log") { Description = "strace -f -e trace=%memory,%process output (strace -o LOG or its stderr); - for stdin" };
        var output = new Option<string>("--output", "-o") { Description = "The trace to write (- for stdout)", HelpName = "file", Required = true };
        var device = new Option<string?>("--device") { Description = "Bind a device (sid=1 ats pri) of this name to every process and probe it with DMA", HelpName = "name" };
        var probes = new Option<int>("--dma-probe") { Description = "Pages DMA-touched after each memory call (with --device)", HelpName = "n", DefaultValueFactory = _ => 4 };
        var seed = new Option<ulong>("--seed") { Description = "Seed of the probed-page choice (same seed, same trace)", HelpName = "n", DefaultValueFactory = _ => 0 };
        var cmd = new Command("import-strace",
            "Convert an strace log into a v1 trace that replays on the emulated mm (docs/strace-import.md)." +
            ExitCodes.Help(null) + " A malformed log (every bad line as file:line:col) writes nothing.")
        {
            log, output, device, probes, seed,
        };
        cmd.SetAction(parse =>
        {
            if (StrictParser.OptionLikeArgument(parse, log) is { } unknown)
            {
                return StrictParser.UsageError(parse, EmulatorCli.Program, context.Stderr, $"unknown option '{unknown}'");
            }
            using var interrupt = Interrupt.Listen();
            return Run(
                new ImportArgs(parse.GetValue(log)!, parse.GetValue(output)!, parse.GetValue(device), parse.GetValue(probes), parse.GetValue(seed),
                    DmaProbeGiven: parse.GetResult(probes) is { Implicit: false }),
                context.Stdout, context.Stderr, context.Stdin, context.ShowProgress ? context.Err(parse) : null, interrupt);
        });
        return cmd;
    }

    /// <summary>The command's options, already split from the command line.</summary>
    internal sealed record ImportArgs(string Log, string Output, string? Device = null, int DmaProbes = 4, ulong Seed = 0, bool DmaProbeGiven = false);

    /// <summary>Runs the import.</summary>
    /// <param name="args">The options.</param>
    /// <param name="stdout">The one-line summary (or the trace itself with <c>-o -</c>, the summary then going to stderr).</param>
    /// <param name="stderr">Errors.</param>
    /// <param name="stdin">Read for the log <c>-</c>.</param>
    /// <param name="progress">A terminal console for a spinner while a large log converts, or null.</param>
    /// <param name="interrupt">Ctrl-C: nothing is written, exit 130.</param>
    internal static int Run(ImportArgs args, TextWriter stdout, TextWriter stderr, TextReader? stdin = null,
        IAnsiConsole? progress = null, Interrupt? interrupt = null)
    {
        if (args.Device is not null && !StraceImporter.IsValidName(args.Device))
        {
            stderr.WriteLine($"emulator trace import-strace: --device {args.Device}: names match [a-z][a-z0-9_]*");
            return Usage;
        }
        if (args.DmaProbes < 0)
        {
            stderr.WriteLine($"emulator trace import-strace: --dma-probe {args.DmaProbes}: expected a count >= 0");
            return Usage;
        }
        if (args.Device is null && args.DmaProbeGiven)
        {
            stderr.WriteLine("emulator trace import-strace: --dma-probe needs --device");
            return Usage;
        }
        var options = new StraceImportOptions(args.Device, args.Device is null ? 0 : args.DmaProbes, args.Seed);
        // Streamed a line at a time within the strace-log limits: a device, an oversize file or an
        // endless pipe is a located error in bounded memory.
        bool isStdin = args.Log == CliFiles.StdStream;
        StraceImportResult Import() => isStdin ? StraceImporter.Import(stdin ?? Console.In, options) : StraceImporter.ImportFile(args.Log, options);
        StraceImportResult result;
        try
        {
            long size = isStdin || !File.Exists(args.Log) ? 0 : new FileInfo(args.Log).Length; // for the spinner only
            // A spinner only for logs that take a noticeable time (about 1 MB converts in a second).
            if (progress is not null && size > 1 << 20)
            {
                StraceImportResult? r = null;
                progress.Status().Start($"converting {Markup.Escape(args.Log)} ({size >> 20} MiB)", _ => r = Import());
                result = r!;
            }
            else
            {
                result = Import();
            }
        }
        catch (Exception e) when (HostErrors.IsIo(e))
        {
            stderr.WriteLine($"emulator trace import-strace: {args.Log}: {HostErrors.Describe(e, args.Log)}");
            return HostErrors.ExitCode(e, args.Log);
        }
        if (interrupt?.Requested == true)
        {
            stderr.WriteLine("emulator trace import-strace: interrupted; nothing written");
            return ExitCodes.Interrupted;
        }
        string logName = args.Log == CliFiles.StdStream ? "<stdin>" : args.Log;
        if (!result.Success)
        {
            foreach (var error in result.Errors)
            {
                stderr.WriteLine(error.Format(logName));
            }
            stderr.WriteLine($"emulator trace import-strace: {result.Errors.Count} malformed line(s); nothing written");
            return Usage;
        }
        int openCode = CliFiles.TryCreateText(args.Output, "trace import-strace", "--output", stderr, out var writer, stdout);
        if (openCode != ExitCodes.Success)
        {
            return openCode;
        }
        try
        {
            using (writer)
            {
                TraceWriter.Write(result.Statements, writer!);
            }
        }
        catch (Exception e) when (HostErrors.IsIo(e))
        {
            stderr.WriteLine($"emulator trace import-strace: --output {args.Output}: {HostErrors.Describe(e, args.Output)}");
            return ExitCodes.Environment;
        }
        (args.Output == CliFiles.StdStream ? stderr : stdout).WriteLine(Summary(args.Output == CliFiles.StdStream ? "<stdout>" : args.Output, result));
        return Ok;
    }

    /// <summary>One line: statements, processes, lines read, skipped syscalls and approximations with counts.</summary>
    internal static string Summary(string output, StraceImportResult result)
    {
        var sb = new StringBuilder();
        sb.Append($"{output}: {result.Statements.Count} statements, {result.Processes} processes from {result.Lines} lines");
        sb.Append("; skipped: ").Append(Counts(result.Skipped));
        if (result.Approximations.Count > 0)
        {
            sb.Append("; approximated: ").Append(Counts(result.Approximations));
        }
        return sb.ToString();
    }

    private static string Counts(IReadOnlyDictionary<string, int> counts)
    {
        if (counts.Count == 0)
        {
            return "none";
        }
        var sorted = counts.ToList();
        sorted.Sort((a, b) => b.Value != a.Value ? b.Value.CompareTo(a.Value) : string.CompareOrdinal(a.Key, b.Key));
        return string.Join(", ", sorted.Select(kv => $"{kv.Key} x{kv.Value}"));
    }
}

using System.CommandLine;
using System.Text;
using Emulator.Core.Trace;
using Emulator.Core.Trace.Strace;

namespace Emulator.Cli;

/// <summary>
/// <c>emulator trace import-strace LOG -o OUT.trace [--device NAME --dma-probe N --seed S]</c>:
/// converts an <c>strace -f -e trace=%memory,%process</c> log into a v1 trace (docs/strace-import.md).
/// Exit 0 when written; 2 for a malformed log (every bad line as <c>file:line:col: message</c>, and
/// nothing written), an unreadable log or bad options.
/// </summary>
internal static class TraceCommand
{
    public const int Ok = 0;
    public const int Usage = 2;

    public static Command Create()
    {
        var cmd = new Command("trace", "Work with v1 trace files");
        cmd.Add(CreateImportStrace());
        return cmd;
    }

    private static Command CreateImportStrace()
    {
        var log = new Argument<string>("LOG") { Description = "strace -f -e trace=%memory,%process output (strace -o LOG or its stderr)" };
        var output = new Option<string>("--output", "-o") { Description = "The trace to write", Required = true };
        var device = new Option<string?>("--device") { Description = "Bind a device (sid=1 ats pri) of this name to every process and probe it with DMA" };
        var probes = new Option<int>("--dma-probe") { Description = "Pages DMA-touched after each memory call (with --device)", DefaultValueFactory = _ => 4 };
        var seed = new Option<ulong>("--seed") { Description = "Seed of the probed-page choice (same seed, same trace)", DefaultValueFactory = _ => 0 };
        var cmd = new Command("import-strace", "Convert an strace log into a v1 trace that replays on the emulated mm") { log, output, device, probes, seed };
        cmd.SetAction(parse => Run(
            new ImportArgs(parse.GetValue(log)!, parse.GetValue(output)!, parse.GetValue(device), parse.GetValue(probes), parse.GetValue(seed),
                DmaProbeGiven: parse.GetResult(probes) is { Implicit: false }),
            Console.Out, Console.Error));
        return cmd;
    }

    /// <summary>The command's options, already split from the command line.</summary>
    internal sealed record ImportArgs(string Log, string Output, string? Device = null, int DmaProbes = 4, ulong Seed = 0, bool DmaProbeGiven = false);

    internal static int Run(ImportArgs args, TextWriter stdout, TextWriter stderr)
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
        string text;
        try
        {
            text = File.ReadAllText(args.Log, Encoding.UTF8);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            stderr.WriteLine($"{args.Log}: {e.Message}");
            return Usage;
        }

        var options = new StraceImportOptions(args.Device, args.Device is null ? 0 : args.DmaProbes, args.Seed);
        var result = StraceImporter.Import(text, options);
        if (!result.Success)
        {
            foreach (var error in result.Errors)
            {
                stderr.WriteLine(error.Format(args.Log));
            }
            stderr.WriteLine($"emulator trace import-strace: {result.Errors.Count} malformed line(s); nothing written");
            return Usage;
        }
        try
        {
            using var writer = new StreamWriter(args.Output, append: false, new UTF8Encoding(false));
            writer.NewLine = "\n";
            TraceWriter.Write(result.Statements, writer);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            stderr.WriteLine($"{args.Output}: {e.Message}");
            return Usage;
        }
        stdout.WriteLine(Summary(args.Output, result));
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

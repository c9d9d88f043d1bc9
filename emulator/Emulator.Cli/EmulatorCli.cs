using System.CommandLine;
using Emulator.Cli.Bench;
using Emulator.Cli.Shell;

namespace Emulator.Cli;

/// <summary>
/// The <c>emulator</c> command line: the root command with every subcommand, strict parsing, the
/// exit-code scheme (<see cref="ExitCodes"/>), <c>-h/--help</c>, <c>-V/--version</c>, the global
/// <c>--color</c>, and System.CommandLine's <c>[suggest]</c> completion directive.
/// </summary>
internal static class EmulatorCli
{
    public const string Program = "emulator";

    /// <summary>The root command (also what <c>docs/cli.md</c> is generated from).</summary>
    public static RootCommand CreateRoot(CliContext context)
    {
        var root = new RootCommand(
            "Emulator: a virtual IOMMU / Shared Virtual Addressing device emulator. It runs x86-64 guest programs " +
            "and traces on an emulated Linux mm, SMMUv3 and PCIe ATC, and a coherence oracle reports every DMA through a stale translation." +
            ExitCodes.Help("the run found a problem (an expectation failed, the oracle fired, lockstep diverged)") +
            " boot --guest passes the guest's exit status through instead (see emulator boot --help).");
        foreach (var option in root.Options)
        {
            if (option is VersionOption)
            {
                option.Aliases.Add("-V");
            }
        }
        root.Options.Add(CliContext.ColorOption);
        root.Options.Add(LogFileOption);
        root.Add(BootCommand.Create(context));
        root.Add(ReplayCommand.Create(context));
        root.Add(TraceCommand.Create(context));
        root.Add(BoardCommand.Create(context));
        root.Add(ExploreCommand.Create(context));
        root.Add(BenchCommand.Create(context));
        return root;
    }

    /// <summary><c>--log-file FILE</c>: log there, with timestamps, instead of stderr.</summary>
    public static readonly Option<string?> LogFileOption = new("--log-file")
    {
        Description = "Write the log (EMULATOR_LOG levels) to FILE, with timestamps, instead of stderr",
        HelpName = "file",
        Recursive = true,
    };

    /// <summary>The logging default: the commands report the oracle's findings themselves (readably),
    /// so its per-access warnings are kept for <c>EMULATOR_LOG=oracle=warn</c>.</summary>
    public const string DefaultLogSpec = "warn,oracle=error";

    /// <summary>Parses and runs <paramref name="args"/>; the process's exit code.</summary>
    /// <param name="args">The command line.</param>
    /// <param name="context">The streams.</param>
    /// <param name="logSpec">The <c>EMULATOR_LOG</c> value (null: <see cref="DefaultLogSpec"/>).</param>
    public static int Run(string[] args, CliContext context, string? logSpec = null)
    {
        var parse = CreateRoot(context).Parse(args);
        if (parse.GetResult(LogFileOption) is { Implicit: false } r && r.GetValueOrDefault<string?>() is { } logFile)
        {
            string directory = Path.GetDirectoryName(Path.GetFullPath(logFile))!;
            if (!Directory.Exists(directory))
            {
                context.Stderr.WriteLine($"emulator: --log-file {logFile}: no such directory");
                return ExitCodes.Environment;
            }
            if (!Core.Diagnostics.Log.Configure(string.IsNullOrWhiteSpace(logSpec) ? DefaultLogSpec : logSpec, logFile, out string? error))
            {
                context.Stderr.WriteLine("emulator: " + error);
                return ExitCodes.Usage;
            }
        }
        return StrictParser.Invoke(parse, Program, context.Stdout, context.Stderr);
    }
}

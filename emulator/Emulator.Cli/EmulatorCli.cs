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
        root.Add(BootCommand.Create(context));
        root.Add(ReplayCommand.Create(context));
        root.Add(TraceCommand.Create(context));
        root.Add(BoardCommand.Create(context));
        root.Add(BenchCommand.Create(context));
        return root;
    }

    /// <summary>Parses and runs <paramref name="args"/>; the process's exit code.</summary>
    public static int Run(string[] args, CliContext context)
    {
        var parse = CreateRoot(context).Parse(args);
        return StrictParser.Invoke(parse, Program, context.Stdout, context.Stderr);
    }
}

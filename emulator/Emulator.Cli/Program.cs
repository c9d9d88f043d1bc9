using Emulator.Cli;
using Emulator.Cli.Shell;

// The commands report the oracle's findings themselves (readably); its per-access warnings are
// kept for EMULATOR_LOG=oracle=warn.
string? spec = Environment.GetEnvironmentVariable("EMULATOR_LOG");
if (!Emulator.Core.Diagnostics.Log.Configure(string.IsNullOrWhiteSpace(spec) ? "warn,oracle=error" : spec, null, out string? logError))
{
    Console.Error.WriteLine("emulator: " + logError);
    return ExitCodes.Usage;
}
return EmulatorCli.Run(args, CliContext.FromConsole());

using Emulator.Cli;
using Emulator.Cli.Shell;

string? spec = Environment.GetEnvironmentVariable("EMULATOR_LOG");
if (!Emulator.Core.Diagnostics.Log.Configure(string.IsNullOrWhiteSpace(spec) ? EmulatorCli.DefaultLogSpec : spec, null, out string? logError))
{
    Console.Error.WriteLine("emulator: " + logError);
    return ExitCodes.Usage;
}
return EmulatorCli.Run(args, CliContext.FromConsole(), spec);

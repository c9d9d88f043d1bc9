using System.CommandLine;
using Emulator.Cli;
using Emulator.Cli.Bench;

Emulator.Core.Diagnostics.Log.ConfigureConsole();
var root = new RootCommand("Emulator: a virtual IOMMU / Shared Virtual Addressing device emulator");
root.Add(BootCommand.Create());
root.Add(BenchCommand.Create());
root.Add(ReplayCommand.Create());
root.Add(TraceCommand.Create());
root.Add(BoardCommand.Create());
root.Add(ExploreCommand.Create());
return root.Parse(args).Invoke();

using System.CommandLine;
using System.CommandLine.Invocation;
using Emulator.FirmwareStub;

// The emulator's command-line rules (issue 14): unknown options are errors (exit 2, on stderr),
// -V/--version, and 3 when the environment fails (an endpoint cannot be bound).
if (!Emulator.Core.Diagnostics.Log.ConfigureConsole(out string? logError))
{
    Console.Error.WriteLine("firmware-stub: " + logError);
    return 2;
}
var root = StubCommand.Create();
foreach (var option in root.Options)
{
    if (option is VersionOption)
    {
        option.Aliases.Add("-V");
    }
}
var parse = root.Parse(args);
if (parse.Errors.Count > 0 && parse.Action is ParseErrorAction)
{
    foreach (var error in parse.Errors)
    {
        Console.Error.WriteLine("firmware-stub: " + error.Message.TrimEnd('.'));
    }
    Console.Error.WriteLine("Try 'firmware-stub --help' for more information.");
    return StubCommand.Usage;
}
int rc = parse.Invoke();
return rc == StubCommand.CannotListen ? 3 : rc;

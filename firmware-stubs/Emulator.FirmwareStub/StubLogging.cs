using NLog;

namespace Emulator.FirmwareStub;

/// <summary>Console logging for the stub program, as the emulator CLI does it: warnings and errors
/// (guest errors included) to stderr; <c>EMULATOR_LOG=info|debug|trace</c> shows connections and faults.
/// stdout is kept for the "listening on" lines that scripts wait for.</summary>
internal static class StubLogging
{
    public static void Configure()
    {
        var level = (Environment.GetEnvironmentVariable("EMULATOR_LOG") ?? "warn").ToLowerInvariant() switch
        {
            "trace" => LogLevel.Trace,
            "debug" => LogLevel.Debug,
            "info" => LogLevel.Info,
            "error" => LogLevel.Error,
            _ => LogLevel.Warn,
        };
        LogManager.Setup().LoadConfiguration(c => c.ForLogger().FilterMinLevel(level)
            .WriteToConsole(layout: "${level:uppercase=true} ${logger}: ${message}${onexception:inner= ${exception}}", stderr: true));
    }
}

using NLog;

namespace Emulator.Cli;

/// <summary>Console logging for the CLI: warnings and errors to stderr by default;
/// <c>EMULATOR_LOG=debug|info|trace</c> shows more (e.g. <c>emulator.unimplemented</c> notes).</summary>
internal static class Logging
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

using NLog;

namespace Emulator.Core.Diagnostics;

/// <summary>
/// The emulator's loggers: one per component, plus two cross-cutting categories that users search
/// for — <see cref="GuestError"/> (the guest, a trace or the board did something wrong; the
/// emulator answered with the architected error) and <see cref="Unimplemented"/> (a request the
/// model does not cover). Configuration belongs to the host program (the CLI); a library user
/// gets NLog's defaults (nothing printed).
/// </summary>
public static class Log
{
    /// <summary>Logger named <c>emulator.{component}</c>, e.g. <c>emulator.mm</c>.</summary>
    public static Logger For(string component) => LogManager.GetLogger("emulator." + component);

    /// <summary>The guest (or trace, or board) misbehaved; logged once per kind where it could flood.</summary>
    public static readonly Logger GuestError = LogManager.GetLogger("emulator.guest-error");

    /// <summary>Something the model deliberately does not implement was asked for.</summary>
    public static readonly Logger Unimplemented = LogManager.GetLogger("emulator.unimplemented");

    /// <summary>Console logging for a program (the emulator CLI, the firmware stub): warnings and errors,
    /// guest errors included, to stderr; <c>EMULATOR_LOG=error|info|debug|trace</c> changes the level.
    /// stdout stays free for the program's own output.</summary>
    public static void ConfigureConsole()
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

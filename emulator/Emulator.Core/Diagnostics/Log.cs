using NLog;
using NLog.Config;
using NLog.Targets;

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

    /// <summary>The console layout: level, component, the file being worked on (when a command
    /// names one, see <see cref="FileScope"/>), message.</summary>
    private const string ConsoleLayout = "${level:uppercase=true} ${logger}: ${when:when=length('${scopeproperty:item=file}') > 0:inner=${scopeproperty:item=file}\\: }${message}${onexception:inner= ${exception}}";

    /// <summary>Log files add a timestamp.</summary>
    private const string FileLayout = "${date:format=yyyy-MM-ddTHH\\:mm\\:ss.fff} " + ConsoleLayout;

    /// <summary>Console logging for a program (the emulator CLI, the firmware stub), from
    /// <c>EMULATOR_LOG</c>; on a malformed value, warnings only and nothing else.</summary>
    public static void ConfigureConsole() => Configure(Environment.GetEnvironmentVariable("EMULATOR_LOG"), null, out _);

    /// <summary>As <see cref="ConfigureConsole()"/>, reporting a malformed <c>EMULATOR_LOG</c>.</summary>
    /// <param name="error">Why <c>EMULATOR_LOG</c> was refused; null when it was accepted.</param>
    /// <returns>False when <c>EMULATOR_LOG</c> is malformed (warnings are logged meanwhile).</returns>
    public static bool ConfigureConsole(out string? error) => Configure(Environment.GetEnvironmentVariable("EMULATOR_LOG"), null, out error);

    /// <summary>
    /// Configures logging: <paramref name="spec"/> is <c>LEVEL</c>, <c>COMPONENT=LEVEL</c> or a
    /// comma-separated list of both (<c>smmu=debug,board=info</c>, <c>debug,srcu=warn</c>), where
    /// COMPONENT is a logger name below <c>emulator.</c> or its first part (<c>board</c> covers
    /// <c>Board.Link</c> and <c>Board.Usb</c>; case does not matter) and LEVEL is trace, debug, info,
    /// warn, error or off. The default level is warn. Messages go to stderr, or with timestamps to
    /// <paramref name="logFile"/>; stdout stays free for the program's own output.
    /// </summary>
    /// <param name="spec">The level specification (null or empty: warn).</param>
    /// <param name="logFile">A file to log to instead of stderr, or null.</param>
    /// <param name="error">Why <paramref name="spec"/> was refused.</param>
    /// <returns>False (and the default configuration applied) when <paramref name="spec"/> is malformed.</returns>
    public static bool Configure(string? spec, string? logFile, out string? error)
    {
        bool ok = TryParseLevels(spec, out var defaultLevel, out var components, out error);
        if (!ok)
        {
            defaultLevel = LogLevel.Warn;
            components = [];
        }
        var config = new LoggingConfiguration();
        Target target = logFile is null
            ? new ConsoleTarget("stderr") { Layout = ConsoleLayout, StdErr = true }
            : new FileTarget("file") { FileName = logFile, Layout = FileLayout, KeepFileOpen = true };
        config.AddTarget(target);
        foreach (var (component, level) in components)
        {
            foreach (string pattern in Patterns(component))
            {
                if (level != LogLevel.Off)
                {
                    config.LoggingRules.Add(new LoggingRule(pattern, level, LogLevel.Fatal, target) { Final = true });
                }
            }
        }
        if (defaultLevel != LogLevel.Off)
        {
            // A component with its own level is left to its own rule, below that level too.
            var rule = new LoggingRule("*", defaultLevel, LogLevel.Fatal, target) { FilterDefaultAction = NLog.Filters.FilterResult.Log };
            rule.Filters.Add(new NLog.Filters.WhenMethodFilter(e => Covered(e.LoggerName, components) ? NLog.Filters.FilterResult.IgnoreFinal : NLog.Filters.FilterResult.Neutral));
            config.LoggingRules.Add(rule);
        }
        LogManager.Configuration = config;
        return ok;
    }

    /// <summary>Whether <paramref name="logger"/> is <c>emulator.COMPONENT</c> or below it for a listed component.</summary>
    private static bool Covered(string? logger, List<(string Component, LogLevel Level)> components)
    {
        if (logger is null || !logger.StartsWith("emulator.", StringComparison.Ordinal))
        {
            return false;
        }
        string name = logger["emulator.".Length..];
        foreach (var (component, _) in components)
        {
            if (name.Equals(component, StringComparison.OrdinalIgnoreCase) ||
                (name.Length > component.Length && name[component.Length] == '.' && name.StartsWith(component, StringComparison.OrdinalIgnoreCase)))
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>Logger-name patterns for a component as the user wrote it: its exact name and its
    /// sub-loggers, in the spellings the code uses (lower case; first letter capitalised).</summary>
    private static IEnumerable<string> Patterns(string component)
    {
        var spellings = new HashSet<string>(StringComparer.Ordinal) { component, component.ToLowerInvariant() };
        if (component.Length > 0)
        {
            spellings.Add(char.ToUpperInvariant(component[0]) + component[1..].ToLowerInvariant());
        }
        foreach (string s in spellings)
        {
            yield return "emulator." + s;
            yield return "emulator." + s + ".*";
        }
    }

    /// <summary>Parses an <c>EMULATOR_LOG</c> value (see <see cref="Configure"/>).</summary>
    public static bool TryParseLevels(string? spec, out LogLevel defaultLevel, out List<(string Component, LogLevel Level)> components, out string? error)
    {
        defaultLevel = LogLevel.Warn;
        components = [];
        error = null;
        if (string.IsNullOrWhiteSpace(spec))
        {
            return true;
        }
        foreach (string raw in spec.Split(','))
        {
            string item = raw.Trim();
            int eq = item.IndexOf('=');
            string levelText = eq < 0 ? item : item[(eq + 1)..].Trim();
            if (!TryParseLevel(levelText, out var level))
            {
                error = $"EMULATOR_LOG={spec}: '{levelText}' is not a level; expected trace, debug, info, warn, error or off (as LEVEL or COMPONENT=LEVEL, comma-separated)";
                return false;
            }
            if (eq < 0)
            {
                defaultLevel = level;
                continue;
            }
            string component = item[..eq].Trim();
            if (component.Length == 0 || component.Contains(' ', StringComparison.Ordinal))
            {
                error = $"EMULATOR_LOG={spec}: '{item}': expected COMPONENT=LEVEL, e.g. smmu=debug";
                return false;
            }
            components.Add((component, level));
        }
        return true;
    }

    private static bool TryParseLevel(string text, out LogLevel level)
    {
        level = text.ToLowerInvariant() switch
        {
            "trace" => LogLevel.Trace,
            "debug" => LogLevel.Debug,
            "info" => LogLevel.Info,
            "warn" or "warning" => LogLevel.Warn,
            "error" => LogLevel.Error,
            "off" or "none" => LogLevel.Off,
            _ => null!,
        };
        return level is not null;
    }

    /// <summary>Names the file being worked on in every message logged until disposed (a warning
    /// during <c>replay traces/</c> then says which trace).</summary>
    public static IDisposable FileScope(string file) => ScopeContext.PushProperty("file", file);
}

using System.CommandLine;
using Spectre.Console;

namespace Emulator.Cli.Shell;

/// <summary>
/// The streams a command talks through and the rules for them: results on stdout; diagnostics,
/// warnings and progress on stderr; colour and width only on a terminal (<c>--color</c>,
/// <c>NO_COLOR</c>); nothing wraps when piped. Tests build one over string writers.
/// </summary>
internal sealed class CliContext
{
    /// <summary>The width a console gets when it is not a terminal: wide enough that no line a command
    /// writes is ever wrapped, so <c>file:line:</c> results stay one per line for tools.</summary>
    public const int PipeWidth = 1 << 15;

    /// <summary>The root's <c>--color</c> option (recursive: every command accepts it).</summary>
    public static readonly Option<ColorMode> ColorOption = new("--color")
    {
        Description = "Colour: auto (on a terminal, unless NO_COLOR is set), always or never",
        HelpName = "auto|always|never",
        Recursive = true,
        CustomParser = r =>
        {
            string text = r.Tokens.Count > 0 ? r.Tokens[0].Value : "auto";
            switch (text)
            {
                case "auto": return ColorMode.Auto;
                case "always": return ColorMode.Always;
                case "never": return ColorMode.Never;
                default:
                    r.AddError($"--color {text}: expected auto, always or never");
                    return ColorMode.Auto;
            }
        },
    };

    public CliContext(TextWriter stdout, TextWriter stderr, TextReader stdin, bool stdoutIsTerminal, bool stderrIsTerminal, bool noColorEnv)
    {
        // Text written by the commands is escaped on its way out; the consoles that draw colour
        // and progress write to the raw streams (see Out/Err).
        _rawStdout = stdout;
        _rawStderr = stderr;
        Stdout = stdout is SafeEchoWriter ? stdout : new SafeEchoWriter(stdout);
        Stderr = stderr is SafeEchoWriter ? stderr : new SafeEchoWriter(stderr);
        Stdin = stdin;
        StdoutIsTerminal = stdoutIsTerminal;
        StderrIsTerminal = stderrIsTerminal;
        NoColorEnv = noColorEnv;
    }

    private readonly TextWriter _rawStdout;
    private readonly TextWriter _rawStderr;

    /// <summary>Standard output, control characters escaped (<see cref="SafeEchoWriter"/>).</summary>
    public TextWriter Stdout { get; }
    /// <summary>Standard error, control characters escaped (<see cref="SafeEchoWriter"/>).</summary>
    public TextWriter Stderr { get; }
    public TextReader Stdin { get; }
    public bool StdoutIsTerminal { get; }
    public bool StderrIsTerminal { get; }

    /// <summary><c>NO_COLOR</c> is set to a non-empty value.</summary>
    public bool NoColorEnv { get; }

    /// <summary>The process's own console streams.</summary>
    public static CliContext FromConsole() => new(Console.Out, Console.Error, Console.In,
        !Console.IsOutputRedirected, !Console.IsErrorRedirected,
        !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("NO_COLOR")));

    /// <summary>Strings and no terminal: what the tests use.</summary>
    public static CliContext ForStrings(StringWriter stdout, StringWriter stderr, string stdin = "") =>
        new(stdout, stderr, new StringReader(stdin), false, false, false);

    /// <summary>The colour mode the command line asked for (auto when the root has no <c>--color</c>).</summary>
    public static ColorMode Mode(ParseResult? parse) =>
        parse?.GetResult(ColorOption) is { } r && !r.Implicit ? r.GetValueOrDefault<ColorMode>() : ColorMode.Auto;

    /// <summary>Whether colour goes to a stream that is (or is not) a terminal.</summary>
    public bool Colour(ColorMode mode, bool terminal) => mode switch
    {
        ColorMode.Always => true,
        ColorMode.Never => false,
        _ => terminal && !NoColorEnv,
    };

    /// <summary>A Spectre console over stdout.</summary>
    public IAnsiConsole Out(ParseResult? parse)
    {
        bool colour = Colour(Mode(parse), StdoutIsTerminal);
        // ANSI sequences must reach the terminal as themselves: a colour console writes raw.
        return Create(colour || StdoutIsTerminal ? _rawStdout : Stdout, colour, StdoutIsTerminal);
    }

    /// <summary>A Spectre console over stderr (progress, warnings).</summary>
    public IAnsiConsole Err(ParseResult? parse)
    {
        bool colour = Colour(Mode(parse), StderrIsTerminal);
        return Create(colour || StderrIsTerminal ? _rawStderr : Stderr, colour, StderrIsTerminal);
    }

    /// <summary>Progress bars are drawn only when stderr is a terminal.</summary>
    public bool ShowProgress => StderrIsTerminal;

    /// <summary>A console that writes ANSI colour only when <paramref name="colour"/>, and takes the
    /// terminal's width only on a terminal (<see cref="PipeWidth"/> otherwise).</summary>
    public static IAnsiConsole Create(TextWriter writer, bool colour, bool terminal)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = colour ? AnsiSupport.Yes : AnsiSupport.No,
            ColorSystem = colour ? ColorSystemSupport.Standard : ColorSystemSupport.NoColors,
            Interactive = terminal ? InteractionSupport.Yes : InteractionSupport.No,
            Out = new AnsiConsoleOutput(writer),
        });
        if (!terminal)
        {
            console.Profile.Width = PipeWidth;
        }
        else
        {
            try
            {
                console.Profile.Width = Math.Max(40, Console.WindowWidth);
            }
            catch (IOException)
            {
                console.Profile.Width = 80;
            }
        }
        return console;
    }
}

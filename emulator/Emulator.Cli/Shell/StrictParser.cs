using System.CommandLine;
using System.CommandLine.Invocation;
using System.CommandLine.Parsing;
using System.Text.RegularExpressions;

namespace Emulator.Cli.Shell;

/// <summary>
/// Runs a parsed command line the strict, conventional way (git's habits): any unknown option or
/// stray word is an error, reported on stderr as <c>PROGRAM COMMAND: message</c> with a suggestion
/// and a pointer to <c>--help</c>, exit 2; an exception that escapes a command is an internal error,
/// exit 70, with a request to report it.
/// </summary>
internal static partial class StrictParser
{
    /// <summary>Invokes <paramref name="parse"/>, or reports its errors.</summary>
    /// <param name="parse">The parsed command line.</param>
    /// <param name="program">"emulator", "firmware-stub": the first word of messages.</param>
    /// <param name="stdout">Where help and version go.</param>
    /// <param name="stderr">Where errors go.</param>
    public static int Invoke(ParseResult parse, string program, TextWriter stdout, TextWriter stderr)
    {
        if (parse.Errors.Count > 0 && parse.Action is ParseErrorAction)
        {
            ReportErrors(parse, program, stderr);
            return ExitCodes.Usage;
        }
        try
        {
            return parse.Invoke(new InvocationConfiguration
            {
                EnableDefaultExceptionHandler = false,
                Output = stdout,
                Error = stderr,
                ProcessTerminationTimeout = null,
            });
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            stderr.WriteLine($"{program}: internal error: {e.GetType().Name}: {e.Message}");
            stderr.WriteLine($"{program}: this is a bug in the emulator; please report it with the command line and this trace:");
            stderr.WriteLine(e.StackTrace);
            return ExitCodes.Internal;
        }
    }

    /// <summary>The command path ("emulator trace import-strace").</summary>
    public static string CommandPath(ParseResult parse, string program)
    {
        var names = new List<string>();
        for (SymbolResult? r = parse.CommandResult; r is CommandResult c; r = c.Parent)
        {
            if (c.Parent is not null)
            {
                names.Add(c.Command.Name);
            }
        }
        names.Reverse();
        return names.Count == 0 ? program : program + " " + string.Join(' ', names);
    }

    /// <summary>The first word in <paramref name="argument"/> that looks like an option (starts with
    /// '-', is not '-' itself) and came before any <c>--</c>: an unknown option that System.CommandLine
    /// would otherwise take as a file name.</summary>
    public static string? OptionLikeArgument(ParseResult parse, Argument argument)
    {
        var result = parse.GetResult(argument);
        if (result is null)
        {
            return null;
        }
        int doubleDash = int.MaxValue;
        for (int i = 0; i < parse.Tokens.Count; i++)
        {
            if (parse.Tokens[i].Type == TokenType.DoubleDash)
            {
                doubleDash = i;
                break;
            }
        }
        foreach (var token in result.Tokens)
        {
            if (token.Value.Length > 1 && token.Value[0] == '-')
            {
                for (int i = 0; i < parse.Tokens.Count && i < doubleDash; i++)
                {
                    if (ReferenceEquals(parse.Tokens[i], token))
                    {
                        return token.Value;
                    }
                }
            }
        }
        return null;
    }

    /// <summary>Reports one usage error found after parsing (in a command's action) the same way as a
    /// parse error: message, suggestion, pointer to <c>--help</c>.</summary>
    /// <returns><see cref="ExitCodes.Usage"/>.</returns>
    public static int UsageError(ParseResult parse, string program, TextWriter stderr, string message)
    {
        string path = CommandPath(parse, program);
        stderr.WriteLine($"{path}: {message}{Suggestion(parse, message)}");
        stderr.WriteLine($"Try '{path} --help' for more information.");
        return ExitCodes.Usage;
    }

    private static void ReportErrors(ParseResult parse, string program, TextWriter stderr)
    {
        string path = CommandPath(parse, program);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var error in parse.Errors)
        {
            string message = Friendly(error.Message);
            if (error.SymbolResult is OptionResult { Option: { } option } && !message.Contains(option.Name, StringComparison.Ordinal))
            {
                message = option.Name + ": " + message;
            }
            if (!seen.Add(message))
            {
                continue;
            }
            stderr.WriteLine($"{path}: {message}{Suggestion(parse, message)}");
        }
        stderr.WriteLine($"Try '{path} --help' for more information.");
    }

    /// <summary>System.CommandLine's messages without .NET type names or trailing full stops.</summary>
    internal static string Friendly(string message)
    {
        message = message.Trim().TrimEnd('.');
        message = ExpectedType().Replace(message, m => $"'{m.Groups["value"].Value}' for {m.Groups["what"].Value}: expected {TypeWords(m.Groups["type"].Value)}");
        message = UnrecognizedToken().Replace(message, m =>
            m.Groups["token"].Value.StartsWith('-') ? $"unknown option '{m.Groups["token"].Value}'" : $"unexpected argument '{m.Groups["token"].Value}'");
        message = message.Replace("\n\t", " ", StringComparison.Ordinal).Replace("\n", " ", StringComparison.Ordinal);
        return message.Length > 0 ? char.ToLowerInvariant(message[0]) + message[1..] : message;
    }

    private static string TypeWords(string type) => type switch
    {
        "System.UInt64" or "System.UInt32" or "System.UInt16" or "System.Byte" => "a non-negative integer",
        "System.Int64" or "System.Int32" or "System.Int16" => "an integer",
        "System.Double" or "System.Single" => "a number",
        "System.Boolean" => "true or false",
        _ => "a " + type[(type.LastIndexOf('.') + 1)..].ToLowerInvariant(),
    };

    /// <summary>" (did you mean '--seed'?)" for an unknown option close to a real one.</summary>
    private static string Suggestion(ParseResult parse, string message)
    {
        var m = Regex.Match(message, "^unknown option '(?<token>[^']+)'");
        if (!m.Success)
        {
            return "";
        }
        string token = m.Groups["token"].Value;
        string? best = null;
        int bestDistance = int.MaxValue;
        foreach (var option in AllOptions(parse.CommandResult.Command))
        {
            foreach (string name in option.Aliases.Prepend(option.Name))
            {
                int d = Distance(token, name);
                if (d < bestDistance)
                {
                    bestDistance = d;
                    best = name;
                }
            }
        }
        return best is not null && bestDistance <= Math.Max(2, token.Length / 3) ? $" (did you mean '{best}'?)" : "";
    }

    private static IEnumerable<Option> AllOptions(Command command)
    {
        foreach (var o in command.Options)
        {
            yield return o;
        }
        foreach (var parent in command.Parents)
        {
            if (parent is Command c)
            {
                foreach (var o in AllOptions(c))
                {
                    if (o.Recursive)
                    {
                        yield return o;
                    }
                }
            }
        }
    }

    /// <summary>Levenshtein distance (short strings only).</summary>
    internal static int Distance(string a, string b)
    {
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (int j = 0; j <= b.Length; j++)
        {
            previous[j] = j;
        }
        for (int i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (int j = 1; j <= b.Length; j++)
            {
                int cost = a[i - 1] == b[j - 1] ? 0 : 1;
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + cost);
            }
            (previous, current) = (current, previous);
        }
        return previous[b.Length];
    }

    [GeneratedRegex(@"Cannot parse argument '(?<value>[^']*)' for (?<what>option '[^']+'|command '[^']+'|argument '[^']+') as expected type '(?<type>[^']+)'")]
    private static partial Regex ExpectedType();

    [GeneratedRegex(@"Unrecognized command or argument '(?<token>[^']*)'")]
    private static partial Regex UnrecognizedToken();
}

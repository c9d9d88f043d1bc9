using System.CommandLine;
using System.Globalization;
using System.Text;

namespace Emulator.Cli.Shell;

/// <summary>
/// Generates <c>docs/cli.md</c>, the man-style reference, from the command definitions themselves, so it
/// cannot drift: a test compares the file with this output (and rewrites it on request).
/// </summary>
internal static class CliReference
{
    /// <summary>The whole reference, Markdown, "\n" line ends.</summary>
    public static string Generate(RootCommand root)
    {
        var sb = new StringBuilder();
        sb.Append("# emulator command-line reference\n\n");
        sb.Append("<!-- Generated from the command definitions (emulator/Emulator.Cli); do not edit by hand.\n");
        sb.Append("     Regenerate: UPDATE_CLI_DOCS=1 dotnet test --filter CliReferenceTests -->\n\n");
        sb.Append("Conventions every command follows: unknown options and stray words are errors (exit 2, with a\n");
        sb.Append("suggestion); a program's arguments come only after `--`; `-h`/`--help` everywhere; `-V`/`--version`;\n");
        sb.Append("`-` names standard input where a file is read and standard output where one is written; results go\n");
        sb.Append("to stdout, diagnostics, warnings and progress to stderr; colour and terminal width only on a terminal\n");
        sb.Append("(`--color auto|always|never`, `NO_COLOR`); shell completions through System.CommandLine's\n");
        sb.Append("`[suggest]` directive (`emulator \"[suggest:10]\" \"boot --g\"`).\n\n");
        sb.Append("## Exit status\n\n");
        sb.Append("| code | meaning |\n|---|---|\n");
        sb.Append("| 0 | success |\n");
        sb.Append("| 1 | the run completed and found a problem: an expectation failed, the oracle fired, lockstep diverged, a selftest check or (with `--check`) a benchmark target missed |\n");
        sb.Append("| 2 | usage or malformed input: a bad option, a malformed trace, ELF, configuration or strace log |\n");
        sb.Append("| 3 | the environment failed: a file missing or unreadable, the board unreachable or lost after reconnecting, a library or tool missing |\n");
        sb.Append("| 70 | an internal error (a bug in the emulator; the message asks for a report) |\n");
        sb.Append("| 130 | interrupted (Ctrl-C); `replay` and `bench` print what finished first |\n");
        sb.Append(string.Create(CultureInfo.InvariantCulture,
            $"| guest's | `boot --guest` passes the guest's own status through (128 + N when signal N killed it), as qemu-user does; when the oracle, lockstep or the emulator found a problem it exits with `--error-exitcode` (default {ExitCodes.DefaultGuestErrorExitCode}) and says why on stderr |\n\n"));
        sb.Append("## Environment\n\n");
        sb.Append("- `EMULATOR_LOG`: `LEVEL`, `COMPONENT=LEVEL`, or a comma-separated list (`smmu=debug,board=info`); levels trace, debug,\n");
        sb.Append("  info, warn (default), error, off; components are logger names below `emulator.` (`smmu`, `smmu-driver`, `board`,\n");
        sb.Append("  `kernel`, `oracle`, `pcie`, `srcu`, `guest-error`, `unimplemented`). An invalid value is an error (exit 2).\n");
        sb.Append("- `NO_COLOR`: no colour, even on a terminal (unless `--color always`).\n\n");
        Command(sb, root, EmulatorCli.Program);
        return sb.ToString();
    }

    private static void Command(StringBuilder sb, Command command, string path)
    {
        sb.Append("## ").Append(path).Append("\n\n");
        string description = (command.Description ?? "").Replace("\n\n", "\n\n", StringComparison.Ordinal);
        sb.Append(description.Trim()).Append("\n\n");
        var usage = new StringBuilder(path);
        if (command.Subcommands.Count > 0)
        {
            usage.Append(" <command>");
        }
        if (VisibleOptions(command).Any())
        {
            usage.Append(" [options]");
        }
        foreach (var argument in command.Arguments)
        {
            string name = argument.HelpName ?? argument.Name;
            bool many = argument.Arity.MaximumNumberOfValues > 1;
            bool optional = argument.Arity.MinimumNumberOfValues == 0;
            string one = command.Name == "boot" ? $"-- <{name}>" : $"<{name}>";
            usage.Append(' ').Append(optional ? "[" : "").Append(one).Append(many ? "..." : "").Append(optional ? "]" : "");
        }
        sb.Append("```\n").Append(usage).Append("\n```\n\n");
        if (command.Arguments.Count > 0)
        {
            sb.Append("| argument | description |\n|---|---|\n");
            foreach (var argument in command.Arguments)
            {
                sb.Append("| `").Append(argument.HelpName ?? argument.Name).Append("` | ").Append(Cell(argument.Description)).Append(" |\n");
            }
            sb.Append('\n');
        }
        var options = VisibleOptions(command).ToList();
        if (options.Count > 0)
        {
            sb.Append("| option | description | default |\n|---|---|---|\n");
            foreach (var option in options)
            {
                var names = option.Aliases.OrderBy(a => a.Length).Append(option.Name).Distinct();
                string value = option.Arity.MaximumNumberOfValues == 0 || option.ValueType == typeof(bool) ? "" : $" <{option.HelpName ?? "value"}>";
                sb.Append("| `").Append(Cell(string.Join(", ", names) + value)).Append("` | ").Append(Cell(option.Description))
                  .Append(" | ").Append(Default(option)).Append(" |\n");
            }
            sb.Append('\n');
        }
        foreach (var sub in command.Subcommands)
        {
            Command(sb, sub, path + " " + sub.Name);
        }
    }

    /// <summary>The command's own options plus the recursive ones it inherits, without help/version noise
    /// on subcommands (they are listed once, at the root).</summary>
    private static IEnumerable<Option> VisibleOptions(Command command)
    {
        foreach (var o in command.Options)
        {
            if (!o.Hidden)
            {
                yield return o;
            }
        }
    }

    private static string Default(Option option)
    {
        if (!option.HasDefaultValue || option.ValueType == typeof(bool))
        {
            return "";
        }
        object? value = option.GetDefaultValue();
        return value switch
        {
            null => "",
            string s => "`" + s + "`",
            Array { Length: 0 } => "",
            ColorMode m => "`" + m.ToString().ToLowerInvariant() + "`",
            IFormattable f => "`" + f.ToString(null, CultureInfo.InvariantCulture) + "`",
            _ => "`" + value + "`",
        };
    }

    private static string Cell(string? text) => (text ?? "").Replace("|", "\\|", StringComparison.Ordinal).Replace("\n", " ", StringComparison.Ordinal);
}

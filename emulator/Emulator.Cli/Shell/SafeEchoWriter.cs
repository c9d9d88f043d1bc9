using System.Globalization;
using System.Text;
using Emulator.Core.Text;

namespace Emulator.Cli.Shell;

/// <summary>
/// The last line of the safe-echo rule (docs/design/hardening.md § 4) at the process's own streams:
/// whatever a command writes as text to stdout or stderr, a character that would act on the user's
/// terminal instead of showing (C0 controls other than LF and TAB, DEL, C1 controls, bidi embeddings,
/// overrides and isolates, zero-width marks, line and paragraph separators) is written as an escape
/// (<c>\x1b</c>, <c>\r</c>, <c>\u202e</c>). The parsers escape what they quote already (backslashes
/// included, so this writer leaves backslashes alone); this catches what they do not see, such as a
/// file name with an escape sequence echoed in "no such file".
/// </summary>
/// <remarks>Colour and progress sequences are written by the Spectre consoles straight to the raw
/// stream (<see cref="CliContext.Out"/>), never through this writer.</remarks>
internal sealed class SafeEchoWriter(TextWriter inner) : TextWriter
{
    /// <summary>The writer this one escapes into.</summary>
    public TextWriter Inner => inner;

    public override Encoding Encoding => inner.Encoding;

    public override IFormatProvider FormatProvider => CultureInfo.InvariantCulture;

#pragma warning disable CS8765 // the base's setter allows null; the inner writer decides
    public override string NewLine
    {
        get => inner.NewLine;
        set => inner.NewLine = value;
    }
#pragma warning restore CS8765

    /// <summary>True for a character that must not reach a terminal as itself (line ends and tabs do:
    /// this is whole output, not a one-line message).</summary>
    public static bool ActsOnTerminal(char c) => c != '\n' && c != '\t' && SafeText.IsControlOrFormat(c);

    public override void Write(char value)
    {
        if (ActsOnTerminal(value))
        {
            inner.Write(SafeText.EscapeOf(value));
        }
        else
        {
            inner.Write(value);
        }
    }

    public override void Write(string? value) => Write(value.AsSpan());

    public override void Write(char[] buffer, int index, int count) => Write(buffer.AsSpan(index, count));

    public override void Write(ReadOnlySpan<char> buffer)
    {
        int start = 0;
        for (int i = 0; i < buffer.Length; i++)
        {
            if (ActsOnTerminal(buffer[i]))
            {
                inner.Write(buffer[start..i]);
                inner.Write(SafeText.EscapeOf(buffer[i]));
                start = i + 1;
            }
        }
        inner.Write(buffer[start..]);
    }

    public override void WriteLine(string? value)
    {
        Write(value.AsSpan());
        inner.WriteLine();
    }

    public override void WriteLine(ReadOnlySpan<char> buffer)
    {
        Write(buffer);
        inner.WriteLine();
    }

    public override void WriteLine() => inner.WriteLine();

    public override void Flush() => inner.Flush();
}

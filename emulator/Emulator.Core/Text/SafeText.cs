using System.Globalization;
using System.Text;

namespace Emulator.Core.Text;

/// <summary>
/// Makes user input safe to quote in a message: every character that a terminal or a log viewer would
/// act on instead of showing is written as an escape, so a crafted file cannot rewrite the user's
/// terminal through an error message (an ESC sequence), hide part of a line (a bare CR) or reorder
/// what is shown (bidirectional overrides).
/// </summary>
/// <remarks>
/// <para>Escaped: C0 controls and DEL (<c>\x1b</c>, with <c>\t \r \n \0</c> by name), the backslash
/// itself (<c>\\</c>, so an escape in the output always means one in the input), C1 controls
/// (<c>\u0085</c>), the line and paragraph separators U+2028/U+2029, the bidirectional embeddings,
/// overrides and isolates (U+202A–U+202E, U+2066–U+2069, the "Trojan Source" characters), the
/// zero-width and byte-order marks, and unpaired surrogates. Everything else, non-ASCII letters
/// included, is kept: names in other scripts stay readable.</para>
/// <para>JSON output needs nothing more: System.Text.Json escapes control characters itself, and an
/// already escaped message stays as readable there as in text.</para>
/// </remarks>
public static class SafeText
{
    /// <summary>Longest part of an input quoted in a message; the rest is elided with "…", so one
    /// huge token cannot make a huge message.</summary>
    public const int MaxQuoted = 200;

    /// <summary>Longest message (in input characters) a parser reports: its own words plus the quoted
    /// input, which may be a line of a megabyte.</summary>
    public const int MaxMessage = 1000;

    /// <summary>The text with every unsafe character escaped and at most <paramref name="maxLength"/>
    /// input characters kept (the input itself when nothing needs changing).</summary>
    public static string Escape(ReadOnlySpan<char> text, int maxLength = MaxQuoted)
    {
        bool clean = text.Length <= maxLength;
        if (clean)
        {
            for (int i = 0; i < text.Length; i++)
            {
                if (NeedsEscape(text, i))
                {
                    clean = false;
                    break;
                }
            }
        }
        if (clean)
        {
            return text.ToString();
        }
        var sb = new StringBuilder(Math.Min(text.Length, maxLength) + 16);
        int end = Math.Min(text.Length, maxLength);
        for (int i = 0; i < end; i++)
        {
            char c = text[i];
            if (!NeedsEscape(text, i))
            {
                sb.Append(c);
                if (char.IsHighSurrogate(c))
                {
                    sb.Append(text[++i]); // the pair is whole (NeedsEscape checked it)
                }
                continue;
            }
            sb.Append(EscapeOf(c));
        }
        if (text.Length > end)
        {
            sb.Append(CultureInfo.InvariantCulture, $"…({text.Length - end} more)");
        }
        return sb.ToString();
    }

    /// <summary><see cref="Escape(ReadOnlySpan{char}, int)"/> of a string (null is "").</summary>
    public static string Escape(string? text, int maxLength = MaxQuoted) => text is null ? "" : Escape(text.AsSpan(), maxLength);

    /// <summary>A whole diagnostic whose words may quote user input: escaped, at most
    /// <see cref="MaxMessage"/> characters of it kept.</summary>
    public static string Message(string message) => Escape(message.AsSpan(), MaxMessage);

    /// <summary>True when <paramref name="text"/> holds nothing <see cref="Escape(ReadOnlySpan{char}, int)"/> would change
    /// (its length aside).</summary>
    public static bool IsSafe(ReadOnlySpan<char> text)
    {
        for (int i = 0; i < text.Length; i++)
        {
            if (NeedsEscape(text, i))
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>True for a character that acts on a terminal or hides text instead of showing: C0
    /// and C1 controls (0x9B is a one-byte CSI on some terminals), DEL, zero-width marks, line and
    /// paragraph separators, bidi embeddings, overrides and isolates, the BOM.</summary>
    public static bool IsControlOrFormat(char c) =>
        c < 0x20 || c == 0x7F || (c >= 0x80 && c <= 0x9F)
        || c is (>= '\u200B' and <= '\u200F') or (>= '\u2028' and <= '\u202E') or (>= '\u2066' and <= '\u2069') or '\uFEFF';

    /// <summary>How one unsafe character is written: <c>\\</c>, <c>\t</c>, <c>\r</c>, <c>\n</c>,
    /// <c>\0</c>, else <c>\xNN</c> below 0x80 and <c>\uNNNN</c> above.</summary>
    public static string EscapeOf(char c) => c switch
    {
        '\\' => @"\\",
        '\t' => @"\t",
        '\r' => @"\r",
        '\n' => @"\n",
        '\0' => @"\0",
        < '\u0080' => string.Create(CultureInfo.InvariantCulture, $"\\x{(int)c:x2}"),
        _ => string.Create(CultureInfo.InvariantCulture, $"\\u{(int)c:x4}"),
    };

    private static bool NeedsEscape(ReadOnlySpan<char> text, int i)
    {
        char c = text[i];
        if (c == '\\' || IsControlOrFormat(c))
        {
            return true;
        }
        if (char.IsHighSurrogate(c))
        {
            return i + 1 >= text.Length || !char.IsLowSurrogate(text[i + 1]);
        }
        return char.IsLowSurrogate(c); // a pair's low half is consumed with its high half
    }
}

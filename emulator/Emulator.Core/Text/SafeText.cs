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
            switch (c)
            {
                case '\\': sb.Append(@"\\"); break;
                case '\t': sb.Append(@"\t"); break;
                case '\r': sb.Append(@"\r"); break;
                case '\n': sb.Append(@"\n"); break;
                case '\0': sb.Append(@"\0"); break;
                default:
                    sb.Append(c < 0x80 ? string.Create(CultureInfo.InvariantCulture, $"\\x{(int)c:x2}")
                        : string.Create(CultureInfo.InvariantCulture, $"\\u{(int)c:x4}"));
                    break;
            }
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

    private static bool NeedsEscape(ReadOnlySpan<char> text, int i)
    {
        char c = text[i];
        if (c < 0x20 || c == 0x7F || c == '\\')
        {
            return true;
        }
        if (c < 0x80)
        {
            return false;
        }
        if (c <= 0x9F)
        {
            return true; // C1 controls: 0x9B is a one-byte CSI on some terminals
        }
        if (char.IsHighSurrogate(c))
        {
            return i + 1 >= text.Length || !char.IsLowSurrogate(text[i + 1]);
        }
        if (char.IsLowSurrogate(c))
        {
            return true; // a pair's low half is consumed with its high half
        }
        return c is (>= '\u200B' and <= '\u200F') or (>= '\u2028' and <= '\u202E') or (>= '\u2066' and <= '\u2069') or '\uFEFF';
    }
}

using Emulator.Core.Text;

namespace Emulator.Fuzz.Targets;

/// <summary>Promises every target checks on what a parser reports.</summary>
internal static class FuzzChecks
{
    /// <summary>A diagnostic is positioned (line and column from 1) and inert (no character a terminal acts on).</summary>
    public static void Diagnostic(int line, int column, string text)
    {
        if (line < 1 || column < 1)
        {
            throw new FuzzFindingException($"diagnostic at {line}:{column}: {SafeText.Escape(text)}");
        }
        Inert(text);
    }

    /// <summary>No raw control character (C0 but none, DEL, C1), line separator or bidi override.</summary>
    public static void Inert(string text)
    {
        foreach (char c in text)
        {
            if (c < 0x20 || c is (>= '\u007f' and <= '\u009f') or '\u2028' or '\u2029' or (>= '\u202a' and <= '\u202e') or (>= '\u2066' and <= '\u2069'))
            {
                throw new FuzzFindingException($"raw U+{(int)c:X4} in a message: {SafeText.Escape(text)}");
            }
        }
    }

    /// <summary>A short name for a message's kind: its words up to the first quote, digit or colon,
    /// so "invalid name 'x'" and "invalid name 'y'" are one path.</summary>
    public static string Kind(string message)
    {
        int end = 0;
        while (end < message.Length && end < 40 && message[end] is not ('\'' or ':' or '(' or (>= '0' and <= '9')))
        {
            end++;
        }
        return message[..end];
    }
}

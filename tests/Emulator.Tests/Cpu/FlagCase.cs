using System.Globalization;
using Emulator.Core.Cpu;

namespace Emulator.Tests.Cpu;

/// <summary>One line of <c>Data/flags.txt</c>: an instruction form, its inputs and the expected
/// outputs. Format (whitespace separated, <c>#</c> starts a comment):
/// <c>op width rax rcx [rdx=V] [in=FLAGS] =&gt; rax|#DE [rdx=V] [rcx=V] FLAGS</c>, where FLAGS is a
/// comma list of CF, PF, AF, ZF, SF, OF (and DF, for the forms that load RFLAGS), or <c>-</c> for
/// none, or <c>all</c> (input only). A line starting with <c>#</c> is a comment.</summary>
public sealed record FlagCase(int Line, string Op, int Width, ulong Rax, ulong Rcx, ulong Rdx, ulong FlagsIn,
    bool DivideError, ulong ExpectRax, ulong? ExpectRdx, ulong ExpectFlags, ulong? ExpectRcx = null)
{
    public const string File = "flags.txt";

    public override string ToString() => $"{File}:{Line} {Op} {Width}";

    public static IEnumerable<FlagCase> Load(string path)
    {
        int n = 0;
        foreach (string raw in System.IO.File.ReadLines(path))
        {
            n++;
            string text = raw.TrimStart().StartsWith('#') ? "" : raw.Trim();
            if (text.Length == 0)
            {
                continue;
            }
            yield return Parse(n, text);
        }
    }

    public static FlagCase Parse(int line, string text)
    {
        string[] halves = text.Split("=>");
        if (halves.Length != 2)
        {
            throw new FormatException($"{File}:{line}: missing =>");
        }
        string[] left = halves[0].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        string[] right = halves[1].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        ulong rdx = 0, flagsIn = 0;
        foreach (string t in left.Skip(4))
        {
            if (t.StartsWith("rdx=", StringComparison.Ordinal))
            {
                rdx = Num(t[4..]);
            }
            else if (t.StartsWith("in=", StringComparison.Ordinal))
            {
                flagsIn = FlagList(t[3..]);
            }
            else
            {
                throw new FormatException($"{File}:{line}: unknown input {t}");
            }
        }
        bool de = right[0] == "#DE";
        ulong? expRdx = null, expRcx = null;
        ulong expFlags = 0;
        foreach (string t in right.Skip(1))
        {
            if (t.StartsWith("rdx=", StringComparison.Ordinal))
            {
                expRdx = Num(t[4..]);
            }
            else if (t.StartsWith("rcx=", StringComparison.Ordinal))
            {
                expRcx = Num(t[4..]);
            }
            else
            {
                expFlags = FlagList(t);
            }
        }
        return new FlagCase(line, left[0], int.Parse(left[1], CultureInfo.InvariantCulture), Num(left[2]), Num(left[3]), rdx, flagsIn,
            de, de ? 0 : Num(right[0]), expRdx, expFlags, expRcx);
    }

    private static ulong Num(string s) =>
        s.StartsWith("-", StringComparison.Ordinal) ? (ulong)-(long)Num(s[1..])
        : s.StartsWith("0x", StringComparison.OrdinalIgnoreCase) ? ulong.Parse(s[2..].Replace("_", ""), NumberStyles.HexNumber, CultureInfo.InvariantCulture)
        : ulong.Parse(s, CultureInfo.InvariantCulture);

    private static ulong FlagList(string s)
    {
        if (s == "-")
        {
            return 0;
        }
        if (s == "all")
        {
            return (ulong)RFlags.Status;
        }
        ulong f = 0;
        foreach (string name in s.Split(','))
        {
            f |= (ulong)Enum.Parse<RFlags>(name);
        }
        return f;
    }
}

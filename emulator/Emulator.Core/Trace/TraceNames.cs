using Emulator.Core.Mm;

namespace Emulator.Core.Trace;

/// <summary>The fixed spellings shared by <see cref="TraceParser"/> and <see cref="TraceWriter"/>.</summary>
internal static class TraceNames
{
    /// <summary>Indexed by <see cref="TraceCounter"/>.</summary>
    public static readonly string[] Counters =
        ["atc-inv", "tlbi", "cfgi", "sync", "pri", "dma-fault", "cpu-fault", "event", "stale"];

    /// <summary>Indexed by <see cref="CountOp"/>.</summary>
    public static readonly string[] Ops = ["==", ">=", "<="];

    public static bool TryParseCounter(ReadOnlySpan<char> text, out TraceCounter counter)
    {
        for (int i = 0; i < Counters.Length; i++)
        {
            if (text.SequenceEqual(Counters[i]))
            {
                counter = (TraceCounter)i;
                return true;
            }
        }
        counter = default;
        return false;
    }

    public static bool TryParseOp(ReadOnlySpan<char> text, out CountOp op)
    {
        for (int i = 0; i < Ops.Length; i++)
        {
            if (text.SequenceEqual(Ops[i]))
            {
                op = (CountOp)i;
                return true;
            }
        }
        op = default;
        return false;
    }

    /// <summary><c>none</c>, or r, w, x each at most once in any order.</summary>
    public static bool TryParseProtection(ReadOnlySpan<char> text, out Protection prot)
    {
        prot = Protection.None;
        if (text.SequenceEqual("none"))
        {
            return true;
        }
        if (text.IsEmpty)
        {
            return false;
        }
        foreach (char c in text)
        {
            Protection bit = c switch { 'r' => Protection.Read, 'w' => Protection.Write, 'x' => Protection.Exec, _ => Protection.None };
            if (bit == Protection.None || (prot & bit) != 0)
            {
                return false;
            }
            prot |= bit;
        }
        return true;
    }

    /// <summary>Canonical order r, w, x; <c>none</c> for no bits.</summary>
    public static string FormatProtection(Protection prot)
    {
        if ((prot & (Protection.Read | Protection.Write | Protection.Exec)) == 0)
        {
            return "none";
        }
        return string.Concat(
            (prot & Protection.Read) != 0 ? "r" : "",
            (prot & Protection.Write) != 0 ? "w" : "",
            (prot & Protection.Exec) != 0 ? "x" : "");
    }

    /// <summary>Errno names as the enum spells them (<c>E</c> followed by capitals and digits, as in
    /// <c>E2BIG</c>); <c>Ok</c> and numbers are not names.</summary>
    public static bool TryParseErrno(ReadOnlySpan<char> text, out Errno errno)
    {
        errno = Errno.Ok;
        if (text.Length < 2 || text[0] != 'E')
        {
            return false;
        }
        foreach (char c in text)
        {
            if (c is not ((>= 'A' and <= 'Z') or (>= '0' and <= '9')))
            {
                return false;
            }
        }
        return Enum.TryParse(text, ignoreCase: false, out errno) && Enum.IsDefined(errno);
    }

    /// <summary>[a-z][a-z0-9_]*</summary>
    public static bool IsName(ReadOnlySpan<char> text)
    {
        if (text.IsEmpty || text[0] is < 'a' or > 'z')
        {
            return false;
        }
        foreach (char c in text)
        {
            if (c is not ((>= 'a' and <= 'z') or (>= '0' and <= '9') or '_'))
            {
                return false;
            }
        }
        return true;
    }
}

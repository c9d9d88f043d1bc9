using Emulator.Core.Mm;

namespace Emulator.Core.Trace.Strace;

/// <summary>
/// Parses lines of <c>strace -f -e trace=%memory,%process</c> output into typed records, without
/// allocating (the error message of a malformed line is the only allocation).
/// </summary>
/// <remarks>
/// <para>A line is <c>[PID] [TIMESTAMP] BODY</c>. PID is <c>5911  </c> (<c>-o FILE</c>) or
/// <c>[pid  5911] </c> (stderr), absent on a single-process log. TIMESTAMP is any of <c>-t</c>
/// (<c>10:23:45</c>), <c>-tt</c> (<c>10:23:45.123456</c>), <c>-ttt</c> and <c>-r</c>
/// (<c>1700000000.123456</c>, <c>0.000123</c>). BODY is a call <c>NAME(ARGS) = RESULT</c>, its
/// first half <c>NAME(ARGS... &lt;unfinished ...&gt;</c>, its second half <c>&lt;... NAME resumed&gt;REST</c>,
/// <c>+++ exited with N +++</c> / <c>+++ killed by SIG +++</c>, or a signal <c>--- SIG... ---</c>.
/// A <c>-T</c> suffix <c>&lt;0.000012&gt;</c> after the result is ignored.</para>
/// <para>Only the known memory calls have their arguments parsed (and so can be malformed); an
/// unknown call needs nothing but <c>NAME(</c>. Flag names this model does not know are dropped,
/// not errors: strace prints new ones with every kernel.</para>
/// </remarks>
public static partial class StraceLineParser
{
    private const string Unfinished = "<unfinished ...>";

    /// <summary>Splits one line (without its line end).</summary>
    /// <returns>false with <paramref name="error"/> set when the line is malformed.</returns>
    public static bool TryParseLine(ReadOnlySpan<char> line, out StraceLine parsed, out StraceParseError error)
    {
        parsed = default;
        error = default;
        int i = SkipBlanks(line, 0);
        if (i >= line.Length)
        {
            return true;
        }

        // Pid prefix.
        if (line[i..].StartsWith("[pid", StringComparison.Ordinal))
        {
            int start = SkipBlanks(line, i + 4);
            int end = start;
            while (end < line.Length && char.IsAsciiDigit(line[end]))
            {
                end++;
            }
            if (end == start || end >= line.Length || line[end] != ']' || !TryInt(line[start..end], out parsed.Pid))
            {
                error = new StraceParseError(i, "invalid '[pid N]' prefix");
                return false;
            }
            i = SkipBlanks(line, end + 1);
        }
        else if (char.IsAsciiDigit(line[i]))
        {
            int end = i;
            while (end < line.Length && char.IsAsciiDigit(line[end]))
            {
                end++;
            }
            if (end < line.Length && line[end] is ' ' or '\t')
            {
                if (!TryInt(line[i..end], out parsed.Pid))
                {
                    error = new StraceParseError(i, $"pid '{line[i..end]}' is out of range");
                    return false;
                }
                i = SkipBlanks(line, end);
            }
        }

        // Timestamp: digits with ':' or '.'.
        if (i < line.Length && char.IsAsciiDigit(line[i]))
        {
            int end = i;
            bool stamp = false;
            while (end < line.Length && (char.IsAsciiDigit(line[end]) || line[end] is '.' or ':'))
            {
                stamp |= line[end] is '.' or ':';
                end++;
            }
            if (!stamp || end >= line.Length || line[end] is not (' ' or '\t'))
            {
                error = new StraceParseError(i, $"expected a system call, '+++', '---' or '<...' after the pid, got '{Word(line, i)}'");
                return false;
            }
            i = SkipBlanks(line, end);
        }
        if (i >= line.Length)
        {
            error = new StraceParseError(i, "missing system call after the pid");
            return false;
        }

        var body = line[i..];
        if (body.StartsWith("+++", StringComparison.Ordinal))
        {
            if (body.StartsWith("+++ exited", StringComparison.Ordinal) || body.StartsWith("+++ killed", StringComparison.Ordinal))
            {
                parsed.Kind = StraceLineKind.Exited;
            }
            return true;
        }
        if (body.StartsWith("---", StringComparison.Ordinal) || body.StartsWith("strace:", StringComparison.Ordinal) ||
            body.StartsWith("Process ", StringComparison.Ordinal) || body.StartsWith("[ Process", StringComparison.Ordinal))
        {
            return true;
        }
        if (body.StartsWith("<...", StringComparison.Ordinal))
        {
            int nameStart = SkipBlanks(line, i + 4);
            int nameEnd = NameEnd(line, nameStart);
            int after = SkipBlanks(line, nameEnd);
            if (nameEnd == nameStart || !line[after..].StartsWith("resumed>", StringComparison.Ordinal))
            {
                error = new StraceParseError(i, "expected '<... NAME resumed>'");
                return false;
            }
            parsed.Kind = StraceLineKind.Resumed;
            parsed.NameStart = nameStart;
            parsed.NameLength = nameEnd - nameStart;
            parsed.Syscall = Classify(line[nameStart..nameEnd]);
            parsed.BodyStart = after + "resumed>".Length;
            return true;
        }

        int nEnd = NameEnd(line, i);
        if (nEnd == i || nEnd >= line.Length || line[nEnd] != '(')
        {
            error = new StraceParseError(i, $"expected a system call 'NAME(...)', got '{Word(line, i)}'");
            return false;
        }
        parsed.NameStart = i;
        parsed.NameLength = nEnd - i;
        parsed.Syscall = Classify(line[i..nEnd]);
        parsed.BodyStart = nEnd + 1;

        var trimmed = line.TrimEnd();
        if (trimmed.EndsWith(Unfinished, StringComparison.Ordinal))
        {
            int end = trimmed.Length - Unfinished.Length;
            if (end > parsed.BodyStart && line[end - 1] == ' ')
            {
                end--; // strace separates the marker with one space that is not part of the arguments
            }
            parsed.Kind = StraceLineKind.Unfinished;
            parsed.BodyEnd = Math.Max(end, parsed.BodyStart);
            return true;
        }
        parsed.Kind = StraceLineKind.Call;
        if (parsed.Syscall == StraceSyscall.Unknown)
        {
            return true;
        }
        if (!TryParseCall(line[parsed.BodyStart..], parsed.Syscall, out parsed.Call, out error))
        {
            error = error with { Index = error.Index + parsed.BodyStart };
            return false;
        }
        return true;
    }

    /// <summary>The kind of the syscall named <paramref name="name"/>.</summary>
    public static StraceSyscall Classify(ReadOnlySpan<char> name) => name switch
    {
        "mmap" or "mmap2" => StraceSyscall.Mmap,
        "munmap" => StraceSyscall.Munmap,
        "mprotect" or "pkey_mprotect" => StraceSyscall.Mprotect,
        "mremap" => StraceSyscall.Mremap,
        "brk" => StraceSyscall.Brk,
        "madvise" => StraceSyscall.Madvise,
        "clone" or "clone3" => StraceSyscall.Clone,
        "fork" => StraceSyscall.Fork,
        "vfork" => StraceSyscall.Vfork,
        "execve" or "execveat" => StraceSyscall.Execve,
        "exit" => StraceSyscall.Exit,
        "exit_group" => StraceSyscall.ExitGroup,
        _ => StraceSyscall.Unknown,
    };

    /// <summary>
    /// Parses what follows <c>NAME(</c> of a known call: the arguments, <c>)</c>, <c>= RESULT</c>.
    /// For a joined <c>unfinished</c>/<c>resumed</c> pair, <paramref name="text"/> is the two halves
    /// concatenated.
    /// </summary>
    public static bool TryParseCall(ReadOnlySpan<char> text, StraceSyscall syscall, out StraceCall call, out StraceParseError error)
    {
        call = default;
        call.Syscall = syscall;
        error = default;
        var c = new Cursor(text);
        switch (syscall)
        {
            case StraceSyscall.Mmap:
                if (!c.Address(out call.Address, "address", ref error) || !c.Comma(ref error) ||
                    !c.Number(out call.Length, "length", ref error) || !c.Comma(ref error) ||
                    !c.Prot(out call.Protection, out call.OtherProtectionBits, ref error) || !c.Comma(ref error) ||
                    !c.MapFlags(out call.MapFlags, ref error) || !c.Comma(ref error) ||
                    !c.Fd(out call.Fd, ref error) || !c.Comma(ref error) ||
                    !c.Number(out _, "offset", ref error))
                {
                    return false;
                }
                break;
            case StraceSyscall.Munmap:
                if (!c.Address(out call.Address, "address", ref error) || !c.Comma(ref error) ||
                    !c.Number(out call.Length, "length", ref error))
                {
                    return false;
                }
                break;
            case StraceSyscall.Mprotect:
                if (!c.Address(out call.Address, "address", ref error) || !c.Comma(ref error) ||
                    !c.Number(out call.Length, "length", ref error) || !c.Comma(ref error) ||
                    !c.Prot(out call.Protection, out call.OtherProtectionBits, ref error))
                {
                    return false;
                }
                c.SkipToClose(); // pkey_mprotect's PKEY
                break;
            case StraceSyscall.Madvise:
                if (!c.Address(out call.Address, "address", ref error) || !c.Comma(ref error) ||
                    !c.Number(out call.Length, "length", ref error) || !c.Comma(ref error) ||
                    !c.Advice(out call.Advice, ref error))
                {
                    return false;
                }
                break;
            case StraceSyscall.Mremap:
                if (!c.Address(out call.Address, "address", ref error) || !c.Comma(ref error) ||
                    !c.Number(out call.Length, "old size", ref error) || !c.Comma(ref error) ||
                    !c.Number(out call.NewLength, "new size", ref error) || !c.Comma(ref error) ||
                    !c.MremapFlags(out call.MremapFlags, ref error))
                {
                    return false;
                }
                if (c.TryComma() && !c.Address(out call.NewAddress, "new address", ref error))
                {
                    return false;
                }
                break;
            case StraceSyscall.Brk:
                if (!c.Address(out call.Address, "address", ref error))
                {
                    return false;
                }
                break;
            case StraceSyscall.Clone:
            case StraceSyscall.Fork:
            case StraceSyscall.Vfork:
            case StraceSyscall.Execve:
            case StraceSyscall.Exit:
            case StraceSyscall.ExitGroup:
                return TryParseOpaque(text, syscall, ref call, ref error);
        }
        if (!c.Close(ref error))
        {
            return false;
        }
        return c.Result(ref call, ref error);
    }

    /// <summary>A call whose arguments are not parsed (they hold strings and structures): the result
    /// follows the last <c>) = </c>; clone's <c>flags=</c> is looked up by name.</summary>
    private static bool TryParseOpaque(ReadOnlySpan<char> text, StraceSyscall syscall, ref StraceCall call, ref StraceParseError error)
    {
        int close = ResultClose(text);
        if (close < 0)
        {
            error = new StraceParseError(text.TrimEnd().Length, "missing ') = RESULT'");
            return false;
        }
        if (syscall == StraceSyscall.Vfork)
        {
            call.CloneFlags = StraceCloneFlags.Vm | StraceCloneFlags.Vfork;
        }
        else if (syscall == StraceSyscall.Clone)
        {
            var args = text[..close];
            int f = args.IndexOf("flags=");
            if (f >= 0)
            {
                var flags = args[(f + 6)..];
                int stop = flags.IndexOfAny(',', '}', ')');
                flags = stop >= 0 ? flags[..stop] : flags;
                call.CloneFlags = CloneFlagsOf(flags);
            }
        }
        var c = new Cursor(text) { Pos = close + 1 };
        return c.Result(ref call, ref error);
    }

    /// <summary>The <c>)</c> of the last <c>) = </c> (blanks allowed around: strace pads short calls to
    /// align the results), or -1. String arguments may hold the same text; the result is always last.</summary>
    private static int ResultClose(ReadOnlySpan<char> text)
    {
        for (int eq = text.LastIndexOf('='); eq > 0; eq = text[..eq].LastIndexOf('='))
        {
            int j = eq - 1;
            while (j >= 0 && text[j] is ' ' or '\t')
            {
                j--;
            }
            if (j >= 0 && text[j] == ')' && j < eq - 1 && (eq + 1 == text.Length || text[eq + 1] is ' ' or '\t'))
            {
                return j;
            }
        }
        return -1;
    }

    private static StraceCloneFlags CloneFlagsOf(ReadOnlySpan<char> expr)
    {
        var flags = StraceCloneFlags.None;
        foreach (var range in expr.Split('|'))
        {
            var part = expr[range].Trim();
            flags |= part switch
            {
                "CLONE_VM" => StraceCloneFlags.Vm,
                "CLONE_VFORK" => StraceCloneFlags.Vfork,
                "CLONE_THREAD" => StraceCloneFlags.Thread,
                _ => TryNumber(part, out ulong v) ? (StraceCloneFlags)(uint)v & (StraceCloneFlags.Vm | StraceCloneFlags.Vfork | StraceCloneFlags.Thread) : StraceCloneFlags.None,
            };
        }
        return flags;
    }

    private static int SkipBlanks(ReadOnlySpan<char> s, int i)
    {
        while (i < s.Length && s[i] is ' ' or '\t')
        {
            i++;
        }
        return i;
    }

    private static int NameEnd(ReadOnlySpan<char> s, int i)
    {
        while (i < s.Length && (char.IsAsciiLetterOrDigit(s[i]) || s[i] is '_' or '?'))
        {
            i++;
        }
        return i;
    }

    /// <summary>The word at <paramref name="i"/> (up to a blank or <c>(</c>), for messages.</summary>
    private static string Word(ReadOnlySpan<char> s, int i)
    {
        int end = i;
        while (end < s.Length && s[end] is not (' ' or '\t' or '(' or ',' or ')'))
        {
            end++;
        }
        return end == i && i < s.Length ? s[i].ToString() : s[i..end].ToString();
    }

    private static bool TryInt(ReadOnlySpan<char> digits, out int value) =>
        int.TryParse(digits, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out value);

    /// <summary>Decimal, or hex with <c>0x</c>.</summary>
    internal static bool TryNumber(ReadOnlySpan<char> s, out ulong value)
    {
        value = 0;
        if (s.Length > 2 && s[0] == '0' && s[1] is 'x' or 'X')
        {
            s = s[2..];
            if (s.Length > 16)
            {
                return false;
            }
            foreach (char ch in s)
            {
                int d = char.IsAsciiDigit(ch) ? ch - '0' : ch is >= 'a' and <= 'f' ? ch - 'a' + 10 : ch is >= 'A' and <= 'F' ? ch - 'A' + 10 : -1;
                if (d < 0)
                {
                    return false;
                }
                value = (value << 4) | (uint)d;
            }
            return true;
        }
        if (s.IsEmpty)
        {
            return false;
        }
        foreach (char ch in s)
        {
            if (!char.IsAsciiDigit(ch))
            {
                return false;
            }
            ulong next = unchecked(value * 10 + (ulong)(ch - '0'));
            if (value > ulong.MaxValue / 10 || next < value * 10)
            {
                return false;
            }
            value = next;
        }
        return true;
    }
}

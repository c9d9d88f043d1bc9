using Emulator.Core.Mm;

namespace Emulator.Core.Trace;

/// <summary>Operand readers: each consumes one token or reports the error at its column.</summary>
public sealed partial class TraceParser
{
    private bool Missing(ref Cursor c, string what, string usage)
    {
        if (!c.AtEnd)
        {
            return false;
        }
        Error(c.Index, $"missing {what} (usage: {usage})");
        return true;
    }

    private bool TakeName(ref Cursor c, string what, string usage, out string name)
    {
        name = "";
        if (Missing(ref c, what, usage))
        {
            return false;
        }
        if (!TraceNames.IsName(c.Peek))
        {
            Error(c.Index, $"invalid name '{c.Peek}': {NameRule}");
            return false;
        }
        name = Intern(c.Peek);
        c.Index++;
        return true;
    }

    private bool TakeNewName(ref Cursor c, string what, string usage, Dictionary<string, int> declared, string kind, out string name)
    {
        if (!TakeName(ref c, what, usage, out name))
        {
            return false;
        }
        if (declared.TryGetValue(name, out int line))
        {
            Error(c.Index - 1, $"{kind} '{name}' already declared at line {line}");
            return false;
        }
        return true;
    }

    private bool TakeDeclared(ref Cursor c, string what, string usage, Dictionary<string, int> declared, string kind, out string name)
    {
        if (!TakeName(ref c, what, usage, out name))
        {
            return false;
        }
        if (!declared.ContainsKey(name))
        {
            Error(c.Index - 1, $"unknown {kind} '{name}'");
            return false;
        }
        return true;
    }

    private bool TakeProcess(ref Cursor c, string usage, out string name) =>
        TakeDeclared(ref c, "PROC", usage, _processes, "process", out name);

    private bool TakeDevice(ref Cursor c, string usage, out string name) =>
        TakeDeclared(ref c, "DEV", usage, _devices, "device", out name);

    private bool TakeNumber(ref Cursor c, string what, string usage, bool isSize, out ulong value)
    {
        value = 0;
        if (Missing(ref c, what, usage))
        {
            return false;
        }
        if (!TraceNumber.TryParse(c.Peek, isSize, out value, out string? error))
        {
            Error(c.Index, error!);
            return false;
        }
        c.Index++;
        return true;
    }

    private bool TakeRange(ref Cursor c, string usage, out ulong addr, out ulong size)
    {
        size = 0;
        return TakeNumber(ref c, "ADDR", usage, false, out addr) && TakeNumber(ref c, "SIZE", usage, true, out size);
    }

    private bool TakeProtection(ref Cursor c, string usage, out Protection prot)
    {
        prot = Protection.None;
        if (Missing(ref c, "PROT", usage))
        {
            return false;
        }
        if (!TraceNames.TryParseProtection(c.Peek, out prot))
        {
            Error(c.Index, $"invalid protection '{c.Peek}': r, w and x each at most once, or 'none'");
            return false;
        }
        c.Index++;
        return true;
    }

    private bool TakePattern(ref Cursor c, string usage, ulong size, out Pattern pattern)
    {
        pattern = default;
        if (Missing(ref c, "PATTERN", usage))
        {
            return false;
        }
        if (!ParsePatternToken(c.Index, size, out pattern))
        {
            return false;
        }
        c.Index++;
        return true;
    }

    private bool ParsePatternToken(int index, ulong size, out Pattern pattern)
    {
        if (!Pattern.TryParse(Token(index), out pattern, out string? error))
        {
            Error(index, error!);
            return false;
        }
        if (pattern.HexLength is int length && (ulong)length != size)
        {
            Error(index, $"hex pattern has {length} bytes but SIZE is {size}");
            return false;
        }
        return true;
    }

    /// <summary>The optional <c>=&gt; RESULT</c>, then the end of the line.</summary>
    private bool TakeResult(ref Cursor c, ReadOnlySpan<char> keyword, bool allowPattern, ulong size, out ExpectedResult result)
    {
        result = ExpectedResult.Ok;
        if (c.AtEnd)
        {
            return true;
        }
        if (!c.Peek.SequenceEqual("=>"))
        {
            Error(c.Index, $"unexpected '{c.Peek}'");
            return false;
        }
        c.Index++;
        if (c.AtEnd)
        {
            Error(c.Index, "missing RESULT after '=>'");
            return false;
        }
        ReadOnlySpan<char> token = c.Peek;
        int at = c.Index;
        c.Index++;
        switch (token)
        {
            case "ok":
                break;
            case "any":
                result = ExpectedResult.Any;
                break;
            case "fault":
                result = ExpectedResult.Fault;
                break;
            case "error":
                if (c.AtEnd)
                {
                    Error(c.Index, "missing errno NAME after 'error'");
                    return false;
                }
                if (!TraceNames.TryParseErrno(c.Peek, out Errno errno))
                {
                    Error(c.Index, $"unknown errno '{c.Peek}'");
                    return false;
                }
                c.Index++;
                result = ExpectedResult.Fails(errno);
                break;
            default:
                // A token shaped like a pattern gets the pattern's own diagnostic (byte:999 → range).
                if (!(token.SequenceEqual("zero") || token.SequenceEqual("seq32") || token.IndexOf(':') > 0))
                {
                    Error(at, $"invalid result '{token}': expected ok, any, fault, error NAME or a pattern");
                    return false;
                }
                if (!allowPattern)
                {
                    Error(at, $"a pattern result is allowed only for 'read' and 'dma ... read', not '{keyword}'");
                    return false;
                }
                if (!ParsePatternToken(at, size, out Pattern pattern))
                {
                    return false;
                }
                result = ExpectedResult.Bytes(pattern);
                break;
        }
        return End(ref c);
    }

    private bool End(ref Cursor c)
    {
        if (c.AtEnd)
        {
            return true;
        }
        Error(c.Index, $"unexpected '{c.Peek}'");
        return false;
    }
}

using Emulator.Core.Iommu;
using Emulator.Core.Mm;

namespace Emulator.Core.Trace;

/// <summary>One method per statement keyword, and the operand readers they share.</summary>
public sealed partial class TraceParser
{
    private const string NameRule = "names match [a-z][a-z0-9_]*";

    private Statement? ParseStatement(ref Cursor c)
    {
        ReadOnlySpan<char> keyword = Token(0);
        c.Index = 1;
        if (keyword.SequenceEqual("trace"))
        {
            return ParseHeader(ref c);
        }
        if (!_sawHeader)
        {
            Error(0, "the first statement must be 'trace 1'");
            _sawHeader = true;
        }
        if (keyword.SequenceEqual("machine"))
        {
            return ParseMachine(ref c);
        }
        _sawOther = true;
        switch (keyword)
        {
            case "process":
                return ParseProcess(ref c);
            case "device":
                return ParseDevice(ref c);
            case "expect":
                return ParseExpect(ref c);
        }
        ActionStatement? action = ParseAction(keyword, ref c, out bool allowPattern, out ulong size);
        if (action is null || !TakeResult(ref c, keyword, allowPattern, size, out ExpectedResult result))
        {
            return null;
        }
        return action with { Result = result };
    }

    private TraceHeader? ParseHeader(ref Cursor c)
    {
        if (_sawHeader || _sawOther || _machineLine != 0)
        {
            Error(0, "'trace' may only be the first statement");
            return null;
        }
        _sawHeader = true;
        if (!TakeNumber(ref c, "VERSION", "trace 1", false, out ulong version))
        {
            return null;
        }
        if (version != 1)
        {
            Error(c.Index - 1, $"unsupported trace version {version} (this parser reads version 1)");
            return null;
        }
        return End(ref c) ? new TraceHeader(1) : null;
    }

    private MachineStatement? ParseMachine(ref Cursor c)
    {
        if (_sawOther)
        {
            Error(0, "'machine' must come before every statement but 'trace'");
            return null;
        }
        if (_machineLine != 0)
        {
            Error(0, $"duplicate 'machine' statement (first at line {_machineLine})");
            return null;
        }
        _machineLine = _lineNumber;
        var m = new MachineStatement();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (; !c.AtEnd; c.Index++)
        {
            ReadOnlySpan<char> token = c.Peek;
            int eq = token.IndexOf('=');
            if (eq <= 0)
            {
                Error(c.Index, $"expected KEY=VALUE, got '{token}'");
                return null;
            }
            string key = token[..eq].ToString();
            ReadOnlySpan<char> value = token[(eq + 1)..];
            if (key != "inject" && !seen.Add(key))
            {
                Error(c.Index, $"duplicate machine key '{key}'");
                return null;
            }
            string? error = null;
            ulong n = 0;
            bool ok = key switch
            {
                "ram" => TraceNumber.TryParse(value, true, out n, out error),
                "paging" or "atc-entries" or "iotlb-entries" or "cmdq-entries" => TraceNumber.TryParse(value, false, out n, out error),
                "inject" => true,
                _ => Fail($"unknown machine key '{key}'; valid keys: ram, paging, atc-entries, iotlb-entries, cmdq-entries, inject", out error),
            };
            if (ok)
            {
                switch (key)
                {
                    case "ram": ok = MachineLimits.CheckRam(n, out error); m = m with { Ram = n }; break;
                    case "paging": ok = MachineLimits.CheckPaging(n, out error); m = m with { Paging = (int)Math.Min(n, 5) }; break;
                    case "atc-entries": ok = MachineLimits.CheckAtcEntries(n, out error); m = m with { AtcEntries = n }; break;
                    case "iotlb-entries": ok = MachineLimits.CheckIotlbEntries(n, out error); m = m with { IotlbEntries = n }; break;
                    case "cmdq-entries": ok = MachineLimits.CheckCmdqEntries(n, out error); m = m with { CmdqEntries = n }; break;
                    default:
                        if (FaultInjectionNames.TryParseOne(value, out FaultInjection fault))
                        {
                            m = m with { Inject = m.Inject | fault };
                        }
                        else
                        {
                            ok = Fail($"unknown fault-injection switch '{value}'; valid names: {string.Join(", ", FaultInjectionNames.All)}", out error);
                        }
                        break;
                }
            }
            if (!ok)
            {
                Error(c.Index, error!);
                return null;
            }
        }
        return m;
    }

    private static bool Fail(string message, out string? error)
    {
        error = message;
        return false;
    }

    private ProcessStatement? ParseProcess(ref Cursor c)
    {
        const string usage = "process NAME";
        if (!TakeNewName(ref c, "NAME", usage, _processes, "process", out string name) || !End(ref c))
        {
            return null;
        }
        _processes[name] = _lineNumber;
        return new ProcessStatement(name);
    }

    private DeviceStatement? ParseDevice(ref Cursor c)
    {
        const string usage = "device NAME sid=N [ats] [pri] [pasid-bits=N]";
        if (!TakeNewName(ref c, "NAME", usage, _devices, "device", out string name))
        {
            return null;
        }
        uint? sid = null;
        int sidToken = 0;
        bool ats = false, pri = false;
        int? pasidBits = null;
        for (; !c.AtEnd; c.Index++)
        {
            ReadOnlySpan<char> token = c.Peek;
            if (token.StartsWith("sid=") || token.StartsWith("pasid-bits="))
            {
                bool isSid = token[0] == 's';
                if ((isSid ? sid.HasValue : pasidBits.HasValue))
                {
                    Error(c.Index, $"duplicate device option '{(isSid ? "sid" : "pasid-bits")}'");
                    return null;
                }
                if (!TraceNumber.TryParse(token[(token.IndexOf('=') + 1)..], false, out ulong n, out string? error))
                {
                    Error(c.Index, error!);
                    return null;
                }
                if (isSid && !MachineLimits.CheckSid(n, out string? sidError))
                {
                    Error(c.Index, sidError!);
                    return null;
                }
                if (!isSid && n is < 1 or > 20)
                {
                    Error(c.Index, $"pasid-bits must be 1..20, got {n}");
                    return null;
                }
                if (isSid)
                {
                    sid = (uint)n;
                    sidToken = c.Index;
                }
                else
                {
                    pasidBits = (int)n;
                }
            }
            else if (token.SequenceEqual("ats") || token.SequenceEqual("pri"))
            {
                ref bool flag = ref token[0] == 'a' ? ref ats : ref pri;
                if (flag)
                {
                    Error(c.Index, $"duplicate device option '{token}'");
                    return null;
                }
                flag = true;
            }
            else
            {
                Error(c.Index, $"unknown device option '{token}' (usage: {usage})");
                return null;
            }
        }
        if (sid is null)
        {
            Error(c.Index, $"missing sid=N (usage: {usage})");
            return null;
        }
        if (_sids.TryGetValue(sid.Value, out string? other))
        {
            Error(sidToken, $"sid {sid.Value} already used by device '{other}'");
            return null;
        }
        _sids[sid.Value] = name;
        _devices[name] = _lineNumber;
        return new DeviceStatement(name, sid.Value, ats, pri, pasidBits);
    }

    private Statement? ParseExpect(ref Cursor c)
    {
        ReadOnlySpan<char> what = c.Peek;
        if (what.SequenceEqual("atc"))
        {
            const string usage = "expect atc DEV PROC ADDR present|absent";
            c.Index++;
            if (!TakeDevice(ref c, usage, out string dev) || !TakeProcess(ref c, usage, out string proc)
                || !TakeNumber(ref c, "ADDR", usage, false, out ulong addr))
            {
                return null;
            }
            if (c.AtEnd)
            {
                Error(c.Index, $"missing present|absent (usage: {usage})");
                return null;
            }
            bool present = c.Peek.SequenceEqual("present");
            if (!present && !c.Peek.SequenceEqual("absent"))
            {
                Error(c.Index, $"expected 'present' or 'absent', got '{c.Peek}'");
                return null;
            }
            c.Index++;
            return End(ref c) ? new ExpectAtcStatement(dev, proc, addr, present) : null;
        }
        if (what.SequenceEqual("count"))
        {
            const string usage = "expect count NAME OP N";
            c.Index++;
            if (c.AtEnd)
            {
                Error(c.Index, $"missing NAME (usage: {usage})");
                return null;
            }
            if (!TraceNames.TryParseCounter(c.Peek, out TraceCounter counter))
            {
                Error(c.Index, $"unknown counter '{c.Peek}'; valid names: {string.Join(", ", TraceNames.Counters)}");
                return null;
            }
            c.Index++;
            if (c.AtEnd)
            {
                Error(c.Index, $"missing OP (usage: {usage})");
                return null;
            }
            if (!TraceNames.TryParseOp(c.Peek, out CountOp op))
            {
                Error(c.Index, $"invalid comparison '{c.Peek}': expected ==, >= or <=");
                return null;
            }
            c.Index++;
            if (!TakeNumber(ref c, "N", usage, false, out ulong n) || !End(ref c))
            {
                return null;
            }
            return new ExpectCountStatement(counter, op, n);
        }
        Error(c.Index, c.AtEnd ? "missing 'atc' or 'count' after 'expect'" : $"expected 'atc' or 'count' after 'expect', got '{what}'");
        return null;
    }

    private ActionStatement? ParseAction(ReadOnlySpan<char> keyword, ref Cursor c, out bool allowPattern, out ulong size)
    {
        allowPattern = false;
        size = 0;
        string proc, dev;
        ulong addr, newSize;
        Protection prot;
        switch (keyword)
        {
            case "bind":
            case "unbind":
            {
                string usage = keyword.SequenceEqual("bind") ? "bind DEV PROC" : "unbind DEV PROC";
                if (!TakeDevice(ref c, usage, out dev) || !TakeProcess(ref c, usage, out proc))
                {
                    return null;
                }
                return keyword.SequenceEqual("bind") ? new BindStatement(dev, proc) : new UnbindStatement(dev, proc);
            }
            case "mmap":
            {
                const string usage = "mmap PROC ADDR SIZE PROT [shared]";
                if (!TakeProcess(ref c, usage, out proc) || !TakeRange(ref c, usage, out addr, out size)
                    || !TakeProtection(ref c, usage, out prot))
                {
                    return null;
                }
                bool shared = c.Peek.SequenceEqual("shared");
                if (shared)
                {
                    c.Index++;
                }
                return new MmapStatement(proc, addr, size, prot, shared);
            }
            case "munmap":
            case "migrate":
            {
                string usage = keyword.SequenceEqual("munmap") ? "munmap PROC ADDR SIZE" : "migrate PROC ADDR SIZE";
                if (!TakeProcess(ref c, usage, out proc) || !TakeRange(ref c, usage, out addr, out size))
                {
                    return null;
                }
                return keyword.SequenceEqual("munmap") ? new MunmapStatement(proc, addr, size) : new MigrateStatement(proc, addr, size);
            }
            case "mprotect":
            {
                const string usage = "mprotect PROC ADDR SIZE PROT";
                if (!TakeProcess(ref c, usage, out proc) || !TakeRange(ref c, usage, out addr, out size)
                    || !TakeProtection(ref c, usage, out prot))
                {
                    return null;
                }
                return new MprotectStatement(proc, addr, size, prot);
            }
            case "madvise":
            {
                const string usage = "madvise PROC ADDR SIZE dontneed";
                if (!TakeProcess(ref c, usage, out proc) || !TakeRange(ref c, usage, out addr, out size))
                {
                    return null;
                }
                if (c.AtEnd)
                {
                    Error(c.Index, $"missing ADVICE (usage: {usage})");
                    return null;
                }
                if (!c.Peek.SequenceEqual("dontneed"))
                {
                    Error(c.Index, $"unsupported advice '{c.Peek}' (v1 knows only 'dontneed')");
                    return null;
                }
                c.Index++;
                return new MadviseStatement(proc, addr, size, Advice.DontNeed);
            }
            case "mremap":
            {
                const string usage = "mremap PROC ADDR SIZE NEWSIZE [to=ADDR]";
                if (!TakeProcess(ref c, usage, out proc) || !TakeRange(ref c, usage, out addr, out size)
                    || !TakeNumber(ref c, "NEWSIZE", usage, true, out newSize))
                {
                    return null;
                }
                ulong? to = null;
                if (c.Peek.StartsWith("to="))
                {
                    if (!TraceNumber.TryParse(c.Peek[3..], false, out ulong target, out string? error))
                    {
                        Error(c.Index, error!);
                        return null;
                    }
                    to = target;
                    c.Index++;
                }
                return new MremapStatement(proc, addr, size, newSize, to);
            }
            case "brk":
            {
                const string usage = "brk PROC ADDR";
                if (!TakeProcess(ref c, usage, out proc) || !TakeNumber(ref c, "ADDR", usage, false, out addr))
                {
                    return null;
                }
                return new BrkStatement(proc, addr);
            }
            case "fork":
            {
                const string usage = "fork PROC CHILD";
                if (!TakeProcess(ref c, usage, out proc) || !TakeNewName(ref c, "CHILD", usage, _processes, "process", out string child))
                {
                    return null;
                }
                _processes[child] = _lineNumber;
                return new ForkStatement(proc, child);
            }
            case "exit":
                return TakeProcess(ref c, "exit PROC", out proc) ? new ExitStatement(proc) : null;
            case "write":
            {
                const string usage = "write PROC ADDR SIZE PATTERN";
                if (!TakeProcess(ref c, usage, out proc) || !TakeRange(ref c, usage, out addr, out size)
                    || !TakePattern(ref c, usage, size, out Pattern data))
                {
                    return null;
                }
                return new WriteStatement(proc, addr, size, data);
            }
            case "read":
            {
                const string usage = "read PROC ADDR SIZE";
                if (!TakeProcess(ref c, usage, out proc) || !TakeRange(ref c, usage, out addr, out size))
                {
                    return null;
                }
                allowPattern = true;
                return new ReadStatement(proc, addr, size);
            }
            case "dma":
            {
                const string usage = "dma DEV PROC read ADDR SIZE | dma DEV PROC write ADDR SIZE PATTERN";
                if (!TakeDevice(ref c, usage, out dev) || !TakeProcess(ref c, usage, out proc))
                {
                    return null;
                }
                if (c.AtEnd)
                {
                    Error(c.Index, $"missing read|write (usage: {usage})");
                    return null;
                }
                bool write = c.Peek.SequenceEqual("write");
                if (!write && !c.Peek.SequenceEqual("read"))
                {
                    Error(c.Index, $"expected 'read' or 'write', got '{c.Peek}'");
                    return null;
                }
                c.Index++;
                if (!TakeRange(ref c, usage, out addr, out size))
                {
                    return null;
                }
                Pattern data = default;
                if (write && !TakePattern(ref c, usage, size, out data))
                {
                    return null;
                }
                allowPattern = !write;
                return new DmaStatement(dev, proc, write ? DmaDirection.Write : DmaDirection.Read, addr, size, data);
            }
            default:
                Error(0, $"unknown statement '{keyword}'");
                return null;
        }
    }
}

using System.Globalization;
using System.Runtime.Intrinsics;
using System.Text;
using Emulator.Core.Cpu;
using Iced.Intel;

namespace Emulator.Tests.Cpu.VectorExtra;

/// <summary>
/// One line of a VectorExtra data file: an instruction, the state it starts from and what it must
/// change. Format (<c>#</c> starts a comment line):
/// <code>Code operands... | inputs => outputs</code>
/// Inputs and outputs are <c>name=value</c>: <c>rax</c>..<c>r14</c> (not rsp, r15; rsi and rdi point
/// into the memory window, their values offsets into it), <c>xmmN</c>, <c>ymmN</c>, <c>mmN</c>,
/// <c>mem</c> or <c>mem+OFFSET</c>, <c>flags</c> (a comma list of CF PF AF ZF SF OF, or <c>-</c>), and
/// as an input <c>level=V1|V2|V3</c>. Values: a number (0x hex or decimal), a quoted string (its
/// bytes, C escapes), or elements from element 0 up, <c>b:</c> <c>w:</c> <c>d:</c> <c>q:</c> (integers)
/// <c>ps:</c> <c>pd:</c> (floats). An output <c>xmmN</c> sets bits 127:0 and keeps the rest; <c>ymmN</c>
/// sets all 256. Outputs may start with <c>#UD</c> (or <c>#GP</c>): the instruction raises it and
/// nothing changes. Everything not listed as an output must be unchanged; when <c>flags</c> is not
/// an output the flags must be unchanged, else the flags the SDM leaves undefined
/// (<see cref="UndefinedFlags"/>) are not compared.
/// </summary>
public sealed record VectorCase(string File, int Line, Instruction Instruction, ProbeState Input,
    ProbeState Expected, ulong FlagMask, CpuExitKind? Exit, CpuLevel Level)
{
    public override string ToString() => $"{File}:{Line} {ProbeInstruction.Format(Instruction)}";

    public static List<VectorCase> Load(string fileName)
    {
        string path = Path.Combine(Trace.CorpusTests.RepoRoot(), "tests", "Emulator.Tests", "Cpu", "VectorExtra", "Data", fileName);
        var cases = new List<VectorCase>();
        int n = 0;
        foreach (string raw in System.IO.File.ReadLines(path))
        {
            n++;
            string text = raw.Trim();
            if (text.Length == 0 || text.StartsWith('#'))
            {
                continue;
            }
            try
            {
                cases.Add(Parse(fileName, n, text));
            }
            catch (Exception e) when (e is FormatException or ArgumentException or OverflowException)
            {
                throw new FormatException($"{fileName}:{n}: {e.Message}", e);
            }
        }
        return cases;
    }

    public static VectorCase Parse(string file, int line, string text)
    {
        int bar = text.IndexOf('|', StringComparison.Ordinal);
        int arrow = text.IndexOf("=>", StringComparison.Ordinal);
        if (bar < 0 || arrow < bar)
        {
            throw new FormatException("expected: Code operands | inputs => outputs");
        }
        string[] head = text[..bar].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        Instruction instruction = ProbeInstruction.Parse(head[0], head[1..]);
        var input = new ProbeState();
        CpuLevel level = CpuLevel.V3;
        foreach (string t in Tokens(text[(bar + 1)..arrow]))
        {
            if (t.StartsWith("level=", StringComparison.Ordinal))
            {
                level = Enum.Parse<CpuLevel>(t[6..]);
            }
            else
            {
                Assign(input, t, output: false);
            }
        }
        ProbeState expected = input.Clone();
        ulong flagMask = (ulong)RFlags.Status;
        CpuExitKind? exit = null;
        foreach (string t in Tokens(text[(arrow + 2)..]))
        {
            if (t.StartsWith('#'))
            {
                exit = t switch
                {
                    "#UD" => CpuExitKind.InvalidOpcode,
                    "#GP" => CpuExitKind.GeneralProtection,
                    _ => throw new FormatException($"unknown exit {t}"),
                };
                continue;
            }
            if (t.StartsWith("flags=", StringComparison.Ordinal))
            {
                flagMask &= ~UndefinedFlags(instruction.Mnemonic, level);
            }
            Assign(expected, t, output: true);
        }
        return new VectorCase(file, line, instruction, input, expected, flagMask, exit, level);
    }

    /// <summary>The status flags the SDM leaves undefined for <paramref name="m"/> (not compared). Below
    /// v3, TZCNT and LZCNT execute as BSF and BSR and have their flags.</summary>
    public static ulong UndefinedFlags(Mnemonic m, CpuLevel level = CpuLevel.V3)
    {
        const ulong AF = (ulong)RFlags.AF, PF = (ulong)RFlags.PF, SF = (ulong)RFlags.SF;
        const ulong CF = (ulong)RFlags.CF, ZF = (ulong)RFlags.ZF;
        if (m is Mnemonic.Tzcnt or Mnemonic.Lzcnt && level < CpuLevel.V3)
        {
            m = Mnemonic.Bsf;
        }
        return m switch
        {
            Mnemonic.Tzcnt or Mnemonic.Lzcnt => (ulong)RFlags.Status & ~(CF | ZF),
            Mnemonic.Andn or Mnemonic.Blsi or Mnemonic.Blsmsk or Mnemonic.Blsr or Mnemonic.Bzhi => AF | PF,
            Mnemonic.Bextr => AF | PF | SF,
            Mnemonic.Bsf or Mnemonic.Bsr => (ulong)RFlags.Status & ~ZF,
            _ => 0,
        };
    }

    /// <summary>Splits on spaces outside double quotes.</summary>
    private static List<string> Tokens(string s)
    {
        var list = new List<string>();
        var sb = new StringBuilder();
        bool quoted = false;
        for (int k = 0; k < s.Length; k++)
        {
            char ch = s[k];
            if (ch == '\\' && quoted && k + 1 < s.Length)
            {
                sb.Append(ch).Append(s[++k]);
                continue;
            }
            if (ch == '"')
            {
                quoted = !quoted;
            }
            if (ch == ' ' && !quoted)
            {
                if (sb.Length > 0)
                {
                    list.Add(sb.ToString());
                    sb.Clear();
                }
                continue;
            }
            sb.Append(ch);
        }
        if (sb.Length > 0)
        {
            list.Add(sb.ToString());
        }
        return list;
    }

    private static void Assign(ProbeState s, string token, bool output)
    {
        int eq = token.IndexOf('=', StringComparison.Ordinal);
        if (eq < 0)
        {
            throw new FormatException($"expected name=value, got {token}");
        }
        string name = token[..eq].ToLowerInvariant();
        string value = token[(eq + 1)..];
        if (name == "flags")
        {
            s.Flags = FlagList(value);
            return;
        }
        int gpr = Array.IndexOf(ProbeState.GprNames, name);
        if (gpr >= 0)
        {
            if (!ProbeState.IsCarried(gpr))
            {
                throw new FormatException($"{name} is not part of the probed state");
            }
            s.Gpr[gpr] = ProbeInstruction.Number(value);
            return;
        }
        if (name.StartsWith("mem", StringComparison.Ordinal))
        {
            int offset = name.Length > 3 ? (int)ProbeInstruction.Number(name[4..]) : 0;
            byte[] bytes = Bytes(value, -1);
            bytes.CopyTo(s.Mem, offset);
            return;
        }
        if (name.StartsWith("mm", StringComparison.Ordinal))
        {
            s.Mm[int.Parse(name[2..], CultureInfo.InvariantCulture)] = BitConverter.ToUInt64(Bytes(value, 8));
            return;
        }
        if (name.StartsWith("xmm", StringComparison.Ordinal))
        {
            int r = int.Parse(name[3..], CultureInfo.InvariantCulture);
            Vector128<byte> lo = Vector128.Create<byte>(Bytes(value, 16));
            s.Ymm[r] = output ? s.Ymm[r].WithLower(lo) : lo.ToVector256();
            return;
        }
        if (name.StartsWith("ymm", StringComparison.Ordinal))
        {
            s.Ymm[int.Parse(name[3..], CultureInfo.InvariantCulture)] = Vector256.Create<byte>(Bytes(value, 32));
            return;
        }
        throw new FormatException($"unknown name {name}");
    }

    /// <summary>A value as <paramref name="size"/> little-endian bytes (zero-extended), or as many as
    /// it has when size is −1.</summary>
    public static byte[] Bytes(string value, int size)
    {
        var b = new List<byte>();
        if (value.StartsWith('"'))
        {
            string str = value[1..^1];
            for (int k = 0; k < str.Length; k++)
            {
                if (str[k] == '\\')
                {
                    char e = str[++k];
                    if (e == 'x')
                    {
                        b.Add(byte.Parse(str.AsSpan(k + 1, 2), NumberStyles.HexNumber, CultureInfo.InvariantCulture));
                        k += 2;
                    }
                    else
                    {
                        b.Add(e switch { '0' => 0, 'n' => (byte)'\n', 't' => (byte)'\t', _ => (byte)e });
                    }
                }
                else
                {
                    b.Add((byte)str[k]);
                }
            }
        }
        else if (value.Length > 2 && value[1] == ':' || value.StartsWith("ps:", StringComparison.Ordinal) || value.StartsWith("pd:", StringComparison.Ordinal))
        {
            int colon = value.IndexOf(':', StringComparison.Ordinal);
            string kind = value[..colon];
            foreach (string e in value[(colon + 1)..].Split(','))
            {
                switch (kind)
                {
                    case "b": b.Add((byte)ProbeInstruction.Number(e)); break;
                    case "w": b.AddRange(BitConverter.GetBytes((ushort)ProbeInstruction.Number(e))); break;
                    case "d": b.AddRange(BitConverter.GetBytes((uint)ProbeInstruction.Number(e))); break;
                    case "q": b.AddRange(BitConverter.GetBytes(ProbeInstruction.Number(e))); break;
                    case "ps": b.AddRange(BitConverter.GetBytes(float.Parse(e, CultureInfo.InvariantCulture))); break;
                    case "pd": b.AddRange(BitConverter.GetBytes(double.Parse(e, CultureInfo.InvariantCulture))); break;
                    default: throw new FormatException($"unknown element kind {kind}");
                }
            }
        }
        else
        {
            string hex = value.Replace("_", "", StringComparison.Ordinal);
            if (!hex.StartsWith("0x", StringComparison.OrdinalIgnoreCase))
            {
                if (size < 0)
                {
                    throw new FormatException($"memory values need 0x hex, a string or elements: {value}");
                }
                // A decimal number is sign-extended to the register's width: -1 is all ones.
                b.AddRange(BitConverter.GetBytes(ProbeInstruction.Number(value)));
                while (b.Count < size)
                {
                    b.Add(value.StartsWith('-') ? (byte)0xFF : (byte)0);
                }
            }
            else
            {
                hex = hex[2..];
                if (hex.Length % 2 == 1)
                {
                    hex = "0" + hex;
                }
                for (int k = hex.Length - 2; k >= 0; k -= 2)
                {
                    b.Add(byte.Parse(hex.AsSpan(k, 2), NumberStyles.HexNumber, CultureInfo.InvariantCulture));
                }
            }
        }
        if (size < 0)
        {
            return [.. b];
        }
        if (b.Count > size && b.Skip(size).Any(x => x != 0))
        {
            throw new FormatException($"value {value} is wider than {size} bytes");
        }
        var result = new byte[size];
        for (int k = 0; k < Math.Min(size, b.Count); k++)
        {
            result[k] = b[k];
        }
        return result;
    }

    public static ulong FlagList(string s)
    {
        if (s == "-")
        {
            return 0;
        }
        ulong f = 0;
        foreach (string name in s.Split(','))
        {
            f |= (ulong)Enum.Parse<RFlags>(name);
        }
        return f;
    }
}

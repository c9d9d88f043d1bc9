using System.Globalization;
using Emulator.Core.Cpu;
using Iced.Intel;

namespace Emulator.Tests.Cpu.SimdInteger;

/// <summary>
/// One line of <c>Data/simd-integer.txt</c>: an Iced code with its operands fixed (ModRM.reg = 1,
/// VEX.vvvv = 2, ModRM.rm = 3, is4 = 4, GPR = rax; <c>mem</c> puts [rsi + d] in the r/m operand),
/// the state before it (from <see cref="SimdState.Default"/>) and either the state after it or
/// the exception it raises.
/// </summary>
public sealed class SimdCase
{
    public const string File = "simd-integer.txt";

    public int Line { get; private init; }
    public string Text { get; private init; } = "";
    internal SimdInstruction Instruction { get; private init; } = null!;
    internal SimdState Input { get; private init; } = null!;

    /// <summary>The state after the instruction (null when it faults).</summary>
    internal SimdState? Expected { get; private init; }

    /// <summary>The exception the instruction raises (nothing changes), or null.</summary>
    public CpuExitKind? Fault { get; private init; }

    /// <summary>The CPU level the emulator runs the case at (the host runs only unfaulting cases).</summary>
    public CpuLevel Level { get; private init; } = CpuLevel.V3;

    public override string ToString() => $"{File}:{Line}: {Text}";

    public static IEnumerable<SimdCase> Load(string path)
    {
        string[] lines = System.IO.File.ReadAllLines(path);
        for (int n = 0; n < lines.Length; n++)
        {
            string text = lines[n].Trim();
            if (text.Length == 0 || text.StartsWith('#'))
            {
                continue;
            }
            yield return Parse(text, n + 1);
        }
    }

    private static SimdCase Parse(string text, int line)
    {
        string Where() => $"{File}:{line}";
        int arrow = text.IndexOf("=>", StringComparison.Ordinal);
        if (arrow < 0)
        {
            throw new FormatException($"{Where()}: no '=>'");
        }
        string[] left = text[..arrow].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        string[] right = text[(arrow + 2)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (!Enum.TryParse(left[0], out Code code))
        {
            throw new FormatException($"{Where()}: unknown Iced code {left[0]}");
        }
        bool memory = false;
        int disp = 0;
        byte imm = 0;
        CpuLevel level = CpuLevel.V3;
        SimdState input = SimdState.Default();
        foreach (string token in left.Skip(1))
        {
            (string key, string value) = Split(token);
            switch (key)
            {
                case "mem": memory = true; break;
                case "d": disp = (int)Number(value, Where()); break;
                case "i": imm = (byte)Number(value, Where()); break;
                case "level": level = Enum.Parse<CpuLevel>(value, ignoreCase: true); break;
                default: Apply(input, key, value, Where()); break;
            }
        }
        var ins = new SimdInstruction(code, Memory: memory, Disp: disp, Imm: imm);
        CpuExitKind? fault = null;
        SimdState? expected = null;
        if (right.Length == 1 && right[0].StartsWith('#'))
        {
            fault = right[0] switch
            {
                "#GP" => CpuExitKind.GeneralProtection,
                "#UD" => CpuExitKind.InvalidOpcode,
                "#PF" => CpuExitKind.PageFault,
                _ => throw new FormatException($"{Where()}: unknown exception {right[0]}"),
            };
        }
        else
        {
            expected = input.Clone();
            foreach (string token in right)
            {
                (string key, string value) = Split(token);
                Apply(expected, key, value, Where());
            }
        }
        return new SimdCase { Line = line, Text = text, Instruction = ins, Input = input, Expected = expected, Fault = fault, Level = level };
    }

    private static (string Key, string Value) Split(string token)
    {
        int eq = token.IndexOf('=', StringComparison.Ordinal);
        return eq < 0 ? (token, "") : (token[..eq], token[(eq + 1)..]);
    }

    private static ulong Number(string s, string where)
    {
        bool hex = s.StartsWith("0x", StringComparison.OrdinalIgnoreCase);
        string digits = (hex ? s[2..] : s).Replace("_", "", StringComparison.Ordinal);
        if (!ulong.TryParse(digits, hex ? NumberStyles.HexNumber : NumberStyles.Integer, CultureInfo.InvariantCulture, out ulong v))
        {
            throw new FormatException($"{where}: bad number {s}");
        }
        return v;
    }

    /// <summary>xN= sets the low 128 bits of YMMn (keeping 255:128), yN= all 256; a GPR name sets it;
    /// m@OFF= sets buffer bytes (written in memory order); fl= the status flags (names or '-').</summary>
    private static void Apply(SimdState s, string key, string value, string where)
    {
        if ((key[0] == 'x' || key[0] == 'y') && int.TryParse(key[1..], NumberStyles.Integer, CultureInfo.InvariantCulture, out int n) && n is >= 0 and < 16)
        {
            int bytes = key[0] == 'x' ? 16 : 32;
            if (!SimdState.TryParseHex(value, s.Ymm[n].AsSpan(0, bytes)))
            {
                throw new FormatException($"{where}: {key}: not a {bytes * 8}-bit hex number: {value}");
            }
            return;
        }
        int g = Array.IndexOf(SimdState.GprNames, key);
        if (g >= 0)
        {
            s.Gpr[g] = Number(value, where);
            return;
        }
        if (key.StartsWith("m@", StringComparison.Ordinal))
        {
            int offset = (int)Number(key[2..], where);
            Convert.FromHexString(value.Replace("_", "", StringComparison.Ordinal)).CopyTo(s.Mem, offset);
            return;
        }
        if (key == "fl")
        {
            s.Flags = value == "-" ? 0 : (ulong)Enum.Parse<RFlags>(value);
            return;
        }
        throw new FormatException($"{where}: unknown key {key}");
    }
}

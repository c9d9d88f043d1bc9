using System.Globalization;
using System.Reflection;
using Iced.Intel;

namespace Emulator.Tests.Cpu.VectorExtra;

/// <summary>
/// Builds one instruction from its Iced <see cref="Code"/> name and operands written as text, so a
/// data file names the exact encoding it tests: <c>Pdep_r64_r64_rm64 rax rcx [rsi+8]</c>,
/// <c>VEX_Vpgatherdd_xmm_vm32x_xmm xmm0 [rsi+xmm1*4] xmm2</c>, <c>Pcmpistri_xmm_xmmm128_imm8 xmm1 xmm2 0x0c</c>.
/// Memory operands are <c>[base+index*scale+disp]</c> (any part optional); immediates are decimal or 0x hex.
/// </summary>
internal static class ProbeInstruction
{
    private static readonly MethodInfo[] Creates =
        [.. typeof(Instruction).GetMethods(BindingFlags.Public | BindingFlags.Static).Where(m => m.Name == "Create")];

    public static Instruction Parse(string code, IReadOnlyList<string> operands)
    {
        if (!Enum.TryParse(code, ignoreCase: true, out Code c))
        {
            throw new FormatException($"unknown Iced code {code}");
        }
        if (c == Code.Maskmovq_rDI_mm_mm)
        {
            // The implicit DS:RDI operand has no Create overload: written as "Maskmovq_rDI_mm_mm mm1 mm2".
            return Instruction.CreateMaskmovq(64, Enum.Parse<Register>(operands[0], true), Enum.Parse<Register>(operands[1], true));
        }
        var args = new object[operands.Count + 1];
        var kinds = new Type[operands.Count];
        args[0] = c;
        for (int k = 0; k < operands.Count; k++)
        {
            (args[k + 1], kinds[k]) = Operand(operands[k]);
        }
        foreach (MethodInfo m in Creates)
        {
            ParameterInfo[] p = m.GetParameters();
            if (p.Length != args.Length || p[0].ParameterType != typeof(Code))
            {
                continue;
            }
            bool match = true;
            for (int k = 0; k < kinds.Length && match; k++)
            {
                Type t = p[k + 1].ParameterType;
                match = (t.IsByRef ? t.GetElementType() : t) == kinds[k];
            }
            if (match)
            {
                return (Instruction)m.Invoke(null, args)!;
            }
        }
        throw new FormatException($"no Instruction.Create for {code} {string.Join(' ', operands)}");
    }

    private static (object Value, Type Kind) Operand(string s)
    {
        if (s.StartsWith('['))
        {
            return (Memory(s.Trim('[', ']')), typeof(MemoryOperand));
        }
        if (char.IsLetter(s[0]) && Enum.TryParse(s, ignoreCase: true, out Register r))
        {
            return (r, typeof(Register));
        }
        return ((int)Number(s), typeof(int));
    }

    private static MemoryOperand Memory(string s)
    {
        Register b = Register.None, x = Register.None;
        int scale = 1;
        long disp = 0;
        foreach (string raw in s.Replace("-", "+-", StringComparison.Ordinal).Split('+', StringSplitOptions.RemoveEmptyEntries))
        {
            string t = raw.Trim();
            if (t.Contains('*', StringComparison.Ordinal))
            {
                string[] p = t.Split('*');
                x = Enum.Parse<Register>(p[0], ignoreCase: true);
                scale = int.Parse(p[1], CultureInfo.InvariantCulture);
            }
            else if (char.IsLetter(t[0]) && Enum.TryParse(t, ignoreCase: true, out Register reg))
            {
                if (b == Register.None)
                {
                    b = reg;
                }
                else
                {
                    x = reg;
                }
            }
            else
            {
                disp += (long)Number(t);
            }
        }
        return new MemoryOperand(b, x, scale, disp, disp == 0 ? 0 : disp is >= -128 and <= 127 ? 1 : 8);
    }

    public static ulong Number(string s)
    {
        s = s.Replace("_", "", StringComparison.Ordinal);
        if (s.StartsWith('-'))
        {
            return (ulong)-(long)Number(s[1..]);
        }
        return s.StartsWith("0x", StringComparison.OrdinalIgnoreCase)
            ? ulong.Parse(s[2..], NumberStyles.HexNumber, CultureInfo.InvariantCulture)
            : ulong.Parse(s, CultureInfo.InvariantCulture);
    }

    /// <summary>The instruction's bytes at address <paramref name="ip"/>.</summary>
    public static byte[] Encode(in Instruction i, ulong ip)
    {
        var w = new ByteWriter();
        var e = Encoder.Create(64, w);
        if (!e.TryEncode(i, ip, out _, out string? error))
        {
            throw new FormatException($"cannot encode {i.Code}: {error}");
        }
        return [.. w.Bytes];
    }

    /// <summary>Intel-syntax text of the instruction.</summary>
    public static string Format(in Instruction i)
    {
        var f = new IntelFormatter();
        var o = new StringOutput();
        f.Format(i, o);
        return o.ToStringAndReset();
    }

    private sealed class ByteWriter : CodeWriter
    {
        public readonly List<byte> Bytes = [];
        public override void WriteByte(byte value) => Bytes.Add(value);
    }
}

using Emulator.Core.Cpu;
using Iced.Intel;

namespace Emulator.Tests.Cpu;

/// <summary>Turns a <see cref="FlagCase"/> into its instruction and says which flags the SDM
/// defines for it.</summary>
internal static class FlagForms
{
    private const ulong All = (ulong)RFlags.Status;
    private const ulong CF = (ulong)RFlags.CF, PF = (ulong)RFlags.PF, AF = (ulong)RFlags.AF;
    private const ulong ZF = (ulong)RFlags.ZF, SF = (ulong)RFlags.SF, OF = (ulong)RFlags.OF;

    private static readonly HashSet<string> Binary = ["add", "adc", "sub", "sbb", "and", "or", "xor", "cmp", "test"];
    private static readonly HashSet<string> Unary = ["not", "neg", "inc", "dec"];
    private static readonly HashSet<string> MulDiv = ["mul", "imul", "div", "idiv"];
    private static readonly HashSet<string> Shifts = ["shl", "shr", "sar", "rol", "ror", "rcl", "rcr"];
    private static readonly HashSet<string> BitTests = ["bt", "bts", "btr", "btc"];
    private static readonly HashSet<string> Scans = ["bsf", "bsr", "tzcnt", "lzcnt", "popcnt"];
    private static readonly HashSet<string> Converts = ["cbw", "cwde", "cdqe", "cwd", "cdq", "cqo"];
    private static readonly HashSet<string> DoubleShifts = ["shld", "shrd"];

    private static Register Acc(int w) => w switch { 8 => Register.AL, 16 => Register.AX, 32 => Register.EAX, _ => Register.RAX };
    private static Register Cnt(int w) => w switch { 8 => Register.CL, 16 => Register.CX, 32 => Register.ECX, _ => Register.RCX };
    private static Register Dat(int w) => w switch { 8 => Register.DL, 16 => Register.DX, 32 => Register.EDX, _ => Register.RDX };
    private static Code C(string name) => Enum.Parse<Code>(name);
    private static string Cap(string s) => char.ToUpperInvariant(s[0]) + s[1..];

    /// <summary>The instructions for the case, operating on RAX/RCX/RDX (and the stack) only: one
    /// instruction, except <c>pushfq</c> (<c>pushfq; pop rax</c>) and <c>popfq</c> (<c>push rax; popfq</c>).</summary>
    public static Instruction[] Build(FlagCase c)
    {
        return c.Op switch
        {
            "pushfq" => [Instruction.Create(Code.Pushfq), Instruction.Create(Code.Pop_r64, Register.RAX)],
            "popfq" => [Instruction.Create(Code.Push_r64, Register.RAX), Instruction.Create(Code.Popfq)],
            _ => [BuildOne(c)],
        };
    }

    private static Instruction BuildOne(FlagCase c)
    {
        string[] parts = c.Op.Split('.');
        string op = parts[0];
        string form = parts.Length > 1 ? parts[1] : "";
        int w = c.Width;
        if (Binary.Contains(op))
        {
            return Instruction.Create(C($"{Cap(op)}_rm{w}_r{w}"), Acc(w), Cnt(w));
        }
        if (Unary.Contains(op))
        {
            return Instruction.Create(C($"{Cap(op)}_rm{w}"), Acc(w));
        }
        if (MulDiv.Contains(op))
        {
            return Instruction.Create(C($"{Cap(op)}_rm{w}"), Cnt(w));
        }
        if (op == "imul2")
        {
            return Instruction.Create(C($"Imul_r{w}_rm{w}"), Acc(w), Cnt(w));
        }
        if (Shifts.Contains(op))
        {
            return form switch
            {
                "1" => Instruction.Create(C($"{Cap(op)}_rm{w}_1"), Acc(w), 1),
                "i" => Instruction.Create(C($"{Cap(op)}_rm{w}_imm8"), Acc(w), (int)(byte)c.Rcx),
                _ => Instruction.Create(C($"{Cap(op)}_rm{w}_CL"), Acc(w), Register.CL),
            };
        }
        if (BitTests.Contains(op))
        {
            return form == "i"
                ? Instruction.Create(C($"{Cap(op)}_rm{w}_imm8"), Acc(w), (int)(byte)c.Rcx)
                : Instruction.Create(C($"{Cap(op)}_rm{w}_r{w}"), Acc(w), Cnt(w));
        }
        if (Scans.Contains(op))
        {
            return Instruction.Create(C($"{Cap(op)}_r{w}_rm{w}"), Acc(w), Cnt(w));
        }
        if (op.StartsWith("set", StringComparison.Ordinal))
        {
            return Instruction.Create(C($"{Cap(op)}_rm8"), Register.AL);
        }
        if (op == "bswap")
        {
            return Instruction.Create(C($"Bswap_r{w}"), Acc(w));
        }
        if (Converts.Contains(op) || op is "lahf" or "sahf")
        {
            return Instruction.Create(C(Cap(op)));
        }
        if (DoubleShifts.Contains(op))
        {
            // shld/shrd rax, rdx, cl (op.i: by the rcx column as imm8)
            return form == "i"
                ? Instruction.Create(C($"{Cap(op)}_rm{w}_r{w}_imm8"), Acc(w), Dat(w), (int)(byte)c.Rcx)
                : Instruction.Create(C($"{Cap(op)}_rm{w}_r{w}_CL"), Acc(w), Dat(w), Register.CL);
        }
        if (op == "xadd")
        {
            return Instruction.Create(C($"Xadd_rm{w}_r{w}"), Acc(w), Cnt(w));   // xadd rax, rcx
        }
        if (op == "cmpxchg")
        {
            return Instruction.Create(C($"Cmpxchg_rm{w}_r{w}"), Dat(w), Cnt(w)); // cmpxchg rdx, rcx (accumulator rax)
        }
        throw new FormatException($"{c}: unknown op {c.Op}");
    }

    public static byte[] Encode(FlagCase c, ulong ip)
    {
        var writer = new CodeWriterImpl();
        var encoder = Encoder.Create(64, writer);
        foreach (Instruction instruction in Build(c))
        {
            encoder.Encode(instruction, ip + (ulong)writer.Bytes.Count);
        }
        return [.. writer.Bytes];
    }

    /// <summary>The status flags the SDM defines for this case (undefined ones are masked off).</summary>
    public static ulong Defined(FlagCase c)
    {
        string op = c.Op.Split('.')[0];
        int w = c.Width;
        int count = c.Op.EndsWith(".1", StringComparison.Ordinal) ? 1 : (int)(c.Rcx & (w == 64 ? 0x3FUL : 0x1FUL));
        if (Binary.Contains(op))
        {
            return op is "and" or "or" or "xor" or "test" ? All & ~AF : All;
        }
        if (op is "mul" or "imul" or "imul2")
        {
            return CF | OF;
        }
        if (op is "div" or "idiv")
        {
            return 0;
        }
        if (op is "shl" or "shr" or "sar")
        {
            if (count == 0)
            {
                return All;
            }
            ulong m = CF | SF | ZF | PF | (count == 1 ? OF : 0);
            return op != "sar" && count >= w ? m & ~CF : m;
        }
        if (Shifts.Contains(op))
        {
            return count == 0 || count == 1 ? All : All & ~OF;
        }
        if (BitTests.Contains(op))
        {
            return CF | ZF;
        }
        if (DoubleShifts.Contains(op))
        {
            // SDM: count > operand size leaves result and flags undefined (the table has no such case).
            return count switch
            {
                0 => All,
                1 => CF | SF | ZF | PF | OF,
                _ => CF | SF | ZF | PF,
            };
        }
        if (op == "popfq")
        {
            return All | (ulong)RFlags.DF;
        }
        return op switch
        {
            "bsf" or "bsr" => ZF,
            "tzcnt" or "lzcnt" => CF | ZF,
            _ => All,
        };
    }

    private sealed class CodeWriterImpl : CodeWriter
    {
        public readonly List<byte> Bytes = [];
        public override void WriteByte(byte value) => Bytes.Add(value);
    }
}

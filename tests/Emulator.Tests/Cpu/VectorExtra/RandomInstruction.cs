using System.Runtime.Intrinsics;
using Emulator.Core.Cpu;
using Iced.Intel;

namespace Emulator.Tests.Cpu.VectorExtra;

/// <summary>
/// Builds an instruction of a given <see cref="Code"/> with operands chosen from its Iced operand
/// kinds, and a random starting state, for differential tests against the host. Operand k is register
/// number k + 1 of its class (so the operands never alias), a memory operand is [rsi+64] (16-byte
/// aligned in the window), a VSIB operand [rsi+index*scale+256] with small random indices.
/// </summary>
internal static class RandomInstruction
{
    public const int MemoryDisplacement = 64;
    public const int VsibDisplacement = 256;

    public static ProbeRun Create(Code code, Random r, bool memory, ulong flagMask = (ulong)RFlags.Status)
    {
        OpCodeInfo info = code.ToOpCode();
        var input = RandomState(r);
        if (code == Code.Maskmovq_rDI_mm_mm)
        {
            input.Gpr[7] = (ulong)r.Next(0, ProbeState.MemSize - 8);   // RDI: somewhere in the window
            return ProbeRun.Of(Instruction.CreateMaskmovq(64, Register.MM1, Register.MM2), input, flagMask);
        }
        var ops = new object[info.OpCount];
        for (int k = 0; k < info.OpCount; k++)
        {
            ops[k] = Operand(info.GetOpKind(k), k, r, memory, input);
        }
        Instruction i = Build(code, ops);
        return ProbeRun.Of(i, input, flagMask);
    }

    public static ProbeState RandomState(Random r)
    {
        var s = new ProbeState { Flags = (ulong)r.NextInt64() & (ulong)RFlags.Status };
        for (int k = 0; k < 16; k++)
        {
            s.Gpr[k] = ProbeState.IsCarried(k) ? (ulong)r.NextInt64() : 0;
            s.Ymm[k] = VectorRig.RandomYmm(r);
        }
        s.Gpr[6] = 0;   // RSI and RDI: the window's base
        s.Gpr[7] = 0;
        for (int k = 0; k < 8; k++)
        {
            s.Mm[k] = (ulong)r.NextInt64();
        }
        r.NextBytes(s.Mem);
        return s;
    }

    private static object Operand(OpCodeOperandKind kind, int k, Random r, bool memory, ProbeState input)
    {
        int n = k + 1;
        switch (kind)
        {
            case OpCodeOperandKind.xmm_reg: case OpCodeOperandKind.xmm_rm: case OpCodeOperandKind.xmm_vvvv:
                return Register.XMM0 + n;
            case OpCodeOperandKind.ymm_reg: case OpCodeOperandKind.ymm_rm: case OpCodeOperandKind.ymm_vvvv:
                return Register.YMM0 + n;
            case OpCodeOperandKind.mm_reg: case OpCodeOperandKind.mm_rm:
                return Register.MM0 + n;
            case OpCodeOperandKind.r32_reg: case OpCodeOperandKind.r32_rm: case OpCodeOperandKind.r32_vvvv:
                return Register.EAX + k;
            case OpCodeOperandKind.r64_reg: case OpCodeOperandKind.r64_rm: case OpCodeOperandKind.r64_vvvv:
                return Register.RAX + k;
            case OpCodeOperandKind.xmm_or_mem:
                return memory ? Mem() : Register.XMM0 + n;
            case OpCodeOperandKind.ymm_or_mem:
                return memory ? Mem() : Register.YMM0 + n;
            case OpCodeOperandKind.mm_or_mem:
                return memory ? Mem() : Register.MM0 + n;
            case OpCodeOperandKind.r32_or_mem:
                return memory ? Mem() : Register.EAX + k;
            case OpCodeOperandKind.r64_or_mem:
                return memory ? Mem() : Register.RAX + k;
            case OpCodeOperandKind.mem:
                return Mem();
            case OpCodeOperandKind.mem_vsib32x: case OpCodeOperandKind.mem_vsib32y:
            case OpCodeOperandKind.mem_vsib64x: case OpCodeOperandKind.mem_vsib64y:
            {
                bool y = kind is OpCodeOperandKind.mem_vsib32y or OpCodeOperandKind.mem_vsib64y;
                Register index = (y ? Register.YMM0 : Register.XMM0) + n;
                bool dwords = kind is OpCodeOperandKind.mem_vsib32x or OpCodeOperandKind.mem_vsib32y;
                // Indices in [-16, 16], so every address stays in the window whatever the scale.
                input.Ymm[n] = dwords
                    ? Vector256.Create(Small(r), Small(r), Small(r), Small(r), Small(r), Small(r), Small(r), Small(r)).AsByte()
                    : Vector256.Create((long)Small(r), Small(r), Small(r), Small(r)).AsByte();
                return new MemoryOperand(Register.RSI, index, 1 << r.Next(4), VsibDisplacement, 4);
            }
            case OpCodeOperandKind.imm8:
                return r.Next(256);
            default:
                throw new NotSupportedException($"operand kind {kind}");
        }
    }

    private static int Small(Random r) => r.Next(-16, 17);

    private static MemoryOperand Mem() => new(Register.RSI, MemoryDisplacement, 1);

    private static Instruction Build(Code code, object[] ops)
    {
        // Instruction.Create overloads take Register, MemoryOperand or int; ProbeInstruction resolves them.
        var text = new List<string>();
        foreach (object o in ops)
        {
            text.Add(o switch
            {
                Register reg => reg.ToString(),
                MemoryOperand m => Text(m),
                int imm => imm.ToString(System.Globalization.CultureInfo.InvariantCulture),
                _ => throw new NotSupportedException(),
            });
        }
        return ProbeInstruction.Parse(code.ToString(), text);
    }

    private static string Text(MemoryOperand m) =>
        m.Index == Register.None
            ? $"[{m.Base}+{m.Displacement}]"
            : $"[{m.Base}+{m.Index}*{m.Scale}+{m.Displacement}]";
}

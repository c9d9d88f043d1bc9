using Iced.Intel;

namespace Emulator.Tests.Cpu.SimdInteger;

/// <summary>
/// One encoding of one Iced <see cref="Iced.Intel.Code"/> with chosen operands: the vector register
/// numbers for ModRM.reg (<paramref name="R"/>), VEX.vvvv (<paramref name="V"/>), ModRM.rm
/// (<paramref name="M"/>) and the is4 byte (<paramref name="I"/>); a general-purpose register (index
/// into <see cref="SimdState.Gprs"/>); and, when <paramref name="Memory"/>, [rsi + <paramref name="Disp"/>]
/// for the r/m operand. Operands a code does not have are ignored.
/// </summary>
internal sealed record SimdInstruction(Code Code, int R = 1, int V = 2, int M = 3, int I = 4, int Gpr = 0,
    bool Memory = false, int Disp = 0, byte Imm = 0)
{
    private static readonly Register[] s_gpr64 = [Register.RAX, Register.RCX, Register.RDX, Register.RBX, Register.R8, Register.R9, Register.R10, Register.R11];
    private static readonly Register[] s_gpr32 = [Register.EAX, Register.ECX, Register.EDX, Register.EBX, Register.R8D, Register.R9D, Register.R10D, Register.R11D];

    /// <summary>True when the code has an operand that may be memory or a register.</summary>
    public static bool HasRegOrMem(Code code) => Kinds(code).Any(k => k is OpCodeOperandKind.xmm_or_mem or OpCodeOperandKind.ymm_or_mem
        or OpCodeOperandKind.r32_or_mem or OpCodeOperandKind.r64_or_mem);

    /// <summary>True when the code's only r/m operand is memory.</summary>
    public static bool MemoryOnly(Code code) => Kinds(code).Any(k => k is OpCodeOperandKind.mem);

    public static IEnumerable<OpCodeOperandKind> Kinds(Code code)
    {
        OpCodeInfo info = code.ToOpCode();
        for (int k = 0; k < info.OpCount; k++)
        {
            yield return info.GetOpKind(k);
        }
    }

    public Instruction Build()
    {
        var ins = default(Instruction);
        ins.Code = Code;
        OpCodeInfo info = Code.ToOpCode();
        for (int k = 0; k < info.OpCount; k++)
        {
            switch (info.GetOpKind(k))
            {
                case OpCodeOperandKind.xmm_reg: Reg(ref ins, k, Register.XMM0 + R); break;
                case OpCodeOperandKind.ymm_reg: Reg(ref ins, k, Register.YMM0 + R); break;
                case OpCodeOperandKind.xmm_vvvv: Reg(ref ins, k, Register.XMM0 + V); break;
                case OpCodeOperandKind.ymm_vvvv: Reg(ref ins, k, Register.YMM0 + V); break;
                case OpCodeOperandKind.xmm_rm: Reg(ref ins, k, Register.XMM0 + M); break;
                case OpCodeOperandKind.ymm_rm: Reg(ref ins, k, Register.YMM0 + M); break;
                case OpCodeOperandKind.xmm_is4: Reg(ref ins, k, Register.XMM0 + I); break;
                case OpCodeOperandKind.ymm_is4: Reg(ref ins, k, Register.YMM0 + I); break;
                case OpCodeOperandKind.xmm_or_mem: RegOrMem(ref ins, k, Register.XMM0 + M); break;
                case OpCodeOperandKind.ymm_or_mem: RegOrMem(ref ins, k, Register.YMM0 + M); break;
                case OpCodeOperandKind.r32_reg: Reg(ref ins, k, s_gpr32[Gpr]); break;
                case OpCodeOperandKind.r64_reg: Reg(ref ins, k, s_gpr64[Gpr]); break;
                case OpCodeOperandKind.r32_or_mem: RegOrMem(ref ins, k, s_gpr32[Gpr]); break;
                case OpCodeOperandKind.r64_or_mem: RegOrMem(ref ins, k, s_gpr64[Gpr]); break;
                case OpCodeOperandKind.mem: Mem(ref ins, k); break;
                case OpCodeOperandKind.imm8:
                    ins.SetOpKind(k, OpKind.Immediate8);
                    ins.Immediate8 = Imm;
                    break;
                case OpCodeOperandKind.seg_rDI: ins.SetOpKind(k, OpKind.MemorySegRDI); break;
                case var other: throw new NotSupportedException($"{Code}: operand kind {other}");
            }
        }
        return ins;
    }

    /// <summary>The instruction's bytes; checked by decoding them back to the same code.</summary>
    public byte[] Encode()
    {
        var writer = new ByteWriter();
        Instruction ins = Build();
        var encoder = Encoder.Create(64, writer);
        if (!encoder.TryEncode(ins, CpuRig.CodeVa, out _, out string? error))
        {
            throw new InvalidOperationException($"{this}: {error}");
        }
        byte[] bytes = writer.Bytes.ToArray();
        var decoded = Decoder.Create(64, bytes).Decode();
        if (decoded.Code != Code)
        {
            throw new InvalidOperationException($"{this}: encoded {Convert.ToHexString(bytes)} decodes as {decoded.Code}");
        }
        return bytes;
    }

    public override string ToString()
    {
        var output = new StringOutput();
        new NasmFormatter().Format(Build(), output);
        return $"{Code} [{output.ToStringAndReset()}]";
    }

    private static void Reg(ref Instruction ins, int k, Register r)
    {
        ins.SetOpKind(k, OpKind.Register);
        ins.SetOpRegister(k, r);
    }

    private void RegOrMem(ref Instruction ins, int k, Register r)
    {
        if (Memory)
        {
            Mem(ref ins, k);
        }
        else
        {
            Reg(ref ins, k, r);
        }
    }

    private void Mem(ref Instruction ins, int k)
    {
        ins.SetOpKind(k, OpKind.Memory);
        ins.MemoryBase = Register.RSI;
        ins.MemoryDisplacement64 = (ulong)Disp;
        ins.MemoryDisplSize = Disp == 0 ? 0 : 1;
    }

    private sealed class ByteWriter : CodeWriter
    {
        public List<byte> Bytes { get; } = [];

        public override void WriteByte(byte value) => Bytes.Add(value);
    }
}

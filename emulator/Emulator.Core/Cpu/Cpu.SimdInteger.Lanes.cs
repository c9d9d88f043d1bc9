using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using Emulator.Core.Cpu.Simd;
using Iced.Intel;

namespace Emulator.Core.Cpu;

/// <summary>The executors of the computing forms: fetch the operands of the encoding (legacy
/// two-operand, VEX three- or four-operand, 128 or 256 bits), run the lane operation on each
/// 128-bit lane, write the result as the encoding says.</summary>
public sealed partial class Cpu
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool IsYmm(Register r) => r >= Register.YMM0 && r <= Register.YMM15;

    /// <summary>Reads operand <paramref name="op"/> as up to 128 bits: an XMM register, or a memory
    /// operand of the instruction's memory size — 16 bytes through <see cref="ReadXmmOperand"/>
    /// (alignment), 2/4/8 bytes zero-extended (no alignment: SDM Vol. 1 §10.4.1.1 applies the rule to
    /// 128-bit operands only).</summary>
    private bool ReadXmmSource(in Instruction i, int op, out Vector128<byte> value)
    {
        if (i.GetOpKind(op) == OpKind.Register)
        {
            value = Xmm(i.GetOpRegister(op));
            return true;
        }
        int size = s_memSize[(int)i.MemorySize];
        if (size == 16)
        {
            return ReadXmmOperand(in i, op, out value);
        }
        bool read = Read(Ea(i), size, out ulong v);
        value = Vector128.CreateScalar(v).AsByte();
        return read;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool CountIsVector(LaneOp op) => op is >= LaneOp.SllW and <= LaneOp.SraD;

    /// <summary>dst = op(a, b[, imm8]) per lane.</summary>
    private bool ExecSimdBinary(in Instruction i, LaneOp op)
    {
        Register dst = i.Op0Register;
        int imm = i.Immediate8;
        if (!IsVex(i))
        {
            if (!ReadXmmOperand(in i, 1, out Vector128<byte> src))
            {
                return false;
            }
            ref Vector128<byte> d = ref Xmm(dst);
            d = IntegerLanes.Binary(op, d, src, imm, 0);
            return true;
        }
        if (!IsYmm(dst))
        {
            if (!ReadXmmOperand(in i, 2, out Vector128<byte> src))
            {
                return false;
            }
            SetXmmZeroUpper(dst, IntegerLanes.Binary(op, Xmm(i.Op1Register), src, imm, 0));
            return true;
        }
        Vector256<byte> b;
        if (CountIsVector(op))
        {
            // VPSLLW ymm, ymm, xmm/m128: one count for every element of both lanes.
            if (!ReadXmmOperand(in i, 2, out Vector128<byte> count))
            {
                return false;
            }
            b = Vector256.Create(count, count);
        }
        else if (!ReadYmmOperand(in i, 2, out b))
        {
            return false;
        }
        Vector256<byte> a = Ymm(i.Op1Register);
        Ymm(dst) = Vector256.Create(IntegerLanes.Binary(op, a.GetLower(), b.GetLower(), imm, 0),
            IntegerLanes.Binary(op, a.GetUpper(), b.GetUpper(), imm, 1));
        return true;
    }

    /// <summary>PSLL/PSRL/PSRA/PSLLDQ/PSRLDQ by imm8: legacy <c>xmm, imm8</c> (register only),
    /// VEX <c>dst(vvvv), src(rm), imm8</c>.</summary>
    private bool ExecSimdShiftImm(in Instruction i, LaneOp op)
    {
        ulong count = i.Immediate8;
        if (!IsVex(i))
        {
            ref Vector128<byte> d = ref Xmm(i.Op0Register);
            d = IntegerLanes.Shift(op, d, count);
            return true;
        }
        Register dst = i.Op0Register;
        if (!IsYmm(dst))
        {
            SetXmmZeroUpper(dst, IntegerLanes.Shift(op, Xmm(i.Op1Register), count));
            return true;
        }
        Vector256<byte> a = Ymm(i.Op1Register);
        Ymm(dst) = Vector256.Create(IntegerLanes.Shift(op, a.GetLower(), count), IntegerLanes.Shift(op, a.GetUpper(), count));
        return true;
    }

    /// <summary>dst = op(src[, imm8]) per lane; the same operand layout in both encodings.</summary>
    private bool ExecSimdUnary(in Instruction i, LaneOp op)
    {
        Register dst = i.Op0Register;
        int imm = i.Immediate8;
        if (!IsYmm(dst))
        {
            if (!ReadXmmSource(in i, 1, out Vector128<byte> src))
            {
                return false;
            }
            WriteXmmResult(in i, IntegerLanes.Unary(op, src, imm));
            return true;
        }
        if (!ReadYmmOperand(in i, 1, out Vector256<byte> s))
        {
            return false;
        }
        Ymm(dst) = Vector256.Create(IntegerLanes.Unary(op, s.GetLower(), imm), IntegerLanes.Unary(op, s.GetUpper(), imm));
        return true;
    }

    /// <summary>PMOVZX/PMOVSX: the source is the low 2–16 bytes of an XMM register or memory of the
    /// instruction's size; the 256-bit form widens across lanes.</summary>
    private bool ExecSimdExtend(in Instruction i, LaneOp op)
    {
        if (!ReadXmmSource(in i, 1, out Vector128<byte> src))
        {
            return false;
        }
        Vector256<byte> r = IntegerLanes.Extend(op, src);
        if (IsYmm(i.Op0Register))
        {
            Ymm(i.Op0Register) = r;
        }
        else
        {
            WriteXmmResult(in i, r.GetLower());
        }
        return true;
    }

    /// <summary>PBLENDVB/BLENDVPS/BLENDVPD: legacy <c>xmm1, xmm2/m128, &lt;XMM0&gt;</c>; VEX
    /// <c>x1, x2, x3/m, x4</c> (the mask register in imm8[7:4]).</summary>
    private bool ExecSimdBlendV(in Instruction i, LaneOp op)
    {
        Register dst = i.Op0Register;
        if (!IsVex(i))
        {
            if (!ReadXmmOperand(in i, 1, out Vector128<byte> src))
            {
                return false;
            }
            ref Vector128<byte> d = ref Xmm(dst);
            d = IntegerLanes.BlendVariable(op, d, src, Xmm(Register.XMM0));
            return true;
        }
        if (!IsYmm(dst))
        {
            if (!ReadXmmOperand(in i, 2, out Vector128<byte> src))
            {
                return false;
            }
            SetXmmZeroUpper(dst, IntegerLanes.BlendVariable(op, Xmm(i.Op1Register), src, Xmm(i.Op3Register)));
            return true;
        }
        if (!ReadYmmOperand(in i, 2, out Vector256<byte> b))
        {
            return false;
        }
        Vector256<byte> a = Ymm(i.Op1Register), m = Ymm(i.Op3Register);
        Ymm(dst) = Vector256.Create(IntegerLanes.BlendVariable(op, a.GetLower(), b.GetLower(), m.GetLower()),
            IntegerLanes.BlendVariable(op, a.GetUpper(), b.GetUpper(), m.GetUpper()));
        return true;
    }

    /// <summary>PTEST/VPTEST: ZF = (a AND b) is zero, CF = (NOT a AND b) is zero; AF, OF, PF and SF
    /// cleared (SDM Vol. 2B PTEST).</summary>
    private bool ExecPtest(in Instruction i)
    {
        Vector256<byte> a, b;
        if (IsYmm(i.Op0Register))
        {
            a = Ymm(i.Op0Register);
            if (!ReadYmmOperand(in i, 1, out b))
            {
                return false;
            }
        }
        else
        {
            a = Xmm(i.Op0Register).ToVector256();
            if (!ReadXmmOperand(in i, 1, out Vector128<byte> b128))
            {
                return false;
            }
            b = b128.ToVector256();
        }
        ulong f = 0;
        if ((a & b) == Vector256<byte>.Zero)
        {
            f |= ZF;
        }
        if (Vector256.AndNot(b, a) == Vector256<byte>.Zero)
        {
            f |= CF;
        }
        SetFlags(StatusFlags, f);
        return true;
    }
}

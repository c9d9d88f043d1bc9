using System.Runtime.Intrinsics;
using Emulator.Core.Cpu.Float;
using Iced.Intel;

namespace Emulator.Core.Cpu;

public sealed partial class Cpu
{
    private static Mnemonic[] ConvertMnemonics() =>
    [
        Mnemonic.Cvtsi2ss, Mnemonic.Cvtsi2sd, Mnemonic.Cvtss2si, Mnemonic.Cvttss2si, Mnemonic.Cvtsd2si,
        Mnemonic.Cvttsd2si, Mnemonic.Cvtss2sd, Mnemonic.Cvtsd2ss, Mnemonic.Cvtps2pd, Mnemonic.Cvtpd2ps,
        Mnemonic.Cvtdq2ps, Mnemonic.Cvtps2dq, Mnemonic.Cvttps2dq, Mnemonic.Cvtdq2pd, Mnemonic.Cvtpd2dq,
        Mnemonic.Cvttpd2dq, Mnemonic.Cvtpi2ps, Mnemonic.Cvtps2pi, Mnemonic.Cvttps2pi, Mnemonic.Cvtpi2pd,
        Mnemonic.Cvtpd2pi, Mnemonic.Cvttpd2pi,
        Mnemonic.Vcvtsi2ss, Mnemonic.Vcvtsi2sd, Mnemonic.Vcvtss2si, Mnemonic.Vcvttss2si, Mnemonic.Vcvtsd2si,
        Mnemonic.Vcvttsd2si, Mnemonic.Vcvtss2sd, Mnemonic.Vcvtsd2ss, Mnemonic.Vcvtps2pd, Mnemonic.Vcvtpd2ps,
        Mnemonic.Vcvtdq2ps, Mnemonic.Vcvtps2dq, Mnemonic.Vcvttps2dq, Mnemonic.Vcvtdq2pd, Mnemonic.Vcvtpd2dq,
        Mnemonic.Vcvttpd2dq, Mnemonic.Vcvtph2ps, Mnemonic.Vcvtps2ph,
    ];

    private enum PackedConversion : byte
    {
        Ps2Pd,
        Pd2Ps,
        Dq2Ps,
        Ps2Dq,
        Ps2DqTruncate,
        Dq2Pd,
        Pd2Dq,
        Pd2DqTruncate,
    }

    private bool TryExecSimdFloatConvert(in Instruction i, out bool ok)
    {
        switch (i.Mnemonic)
        {
            case Mnemonic.Cvtsi2ss: case Mnemonic.Vcvtsi2ss: ok = ExecCvtIntToScalar<Binary32>(i); return true;
            case Mnemonic.Cvtsi2sd: case Mnemonic.Vcvtsi2sd: ok = ExecCvtIntToScalar<Binary64>(i); return true;
            case Mnemonic.Cvtss2si: case Mnemonic.Vcvtss2si: ok = ExecCvtScalarToInt<Binary32>(i, truncate: false); return true;
            case Mnemonic.Cvttss2si: case Mnemonic.Vcvttss2si: ok = ExecCvtScalarToInt<Binary32>(i, truncate: true); return true;
            case Mnemonic.Cvtsd2si: case Mnemonic.Vcvtsd2si: ok = ExecCvtScalarToInt<Binary64>(i, truncate: false); return true;
            case Mnemonic.Cvttsd2si: case Mnemonic.Vcvttsd2si: ok = ExecCvtScalarToInt<Binary64>(i, truncate: true); return true;
            case Mnemonic.Cvtss2sd: case Mnemonic.Vcvtss2sd: ok = ExecCvtScalarToScalar<Binary32, Binary64>(i); return true;
            case Mnemonic.Cvtsd2ss: case Mnemonic.Vcvtsd2ss: ok = ExecCvtScalarToScalar<Binary64, Binary32>(i); return true;
            case Mnemonic.Cvtps2pd: case Mnemonic.Vcvtps2pd: ok = ExecCvtPacked(i, PackedConversion.Ps2Pd); return true;
            case Mnemonic.Cvtpd2ps: case Mnemonic.Vcvtpd2ps: ok = ExecCvtPacked(i, PackedConversion.Pd2Ps); return true;
            case Mnemonic.Cvtdq2ps: case Mnemonic.Vcvtdq2ps: ok = ExecCvtPacked(i, PackedConversion.Dq2Ps); return true;
            case Mnemonic.Cvtps2dq: case Mnemonic.Vcvtps2dq: ok = ExecCvtPacked(i, PackedConversion.Ps2Dq); return true;
            case Mnemonic.Cvttps2dq: case Mnemonic.Vcvttps2dq: ok = ExecCvtPacked(i, PackedConversion.Ps2DqTruncate); return true;
            case Mnemonic.Cvtdq2pd: case Mnemonic.Vcvtdq2pd: ok = ExecCvtPacked(i, PackedConversion.Dq2Pd); return true;
            case Mnemonic.Cvtpd2dq: case Mnemonic.Vcvtpd2dq: ok = ExecCvtPacked(i, PackedConversion.Pd2Dq); return true;
            case Mnemonic.Cvttpd2dq: case Mnemonic.Vcvttpd2dq: ok = ExecCvtPacked(i, PackedConversion.Pd2DqTruncate); return true;
            case Mnemonic.Cvtpi2ps: ok = ExecCvtPi2Ps(i); return true;
            case Mnemonic.Cvtpi2pd: ok = ExecCvtPi2Pd(i); return true;
            case Mnemonic.Cvtps2pi: ok = ExecCvtToPi<Binary32>(i, truncate: false); return true;
            case Mnemonic.Cvttps2pi: ok = ExecCvtToPi<Binary32>(i, truncate: true); return true;
            case Mnemonic.Cvtpd2pi: ok = ExecCvtToPi<Binary64>(i, truncate: false); return true;
            case Mnemonic.Cvttpd2pi: ok = ExecCvtToPi<Binary64>(i, truncate: true); return true;
            case Mnemonic.Vcvtph2ps: ok = ExecCvtPh2Ps(i); return true;
            case Mnemonic.Vcvtps2ph: ok = ExecCvtPs2Ph(i); return true;
            default:
                ok = false;
                return false;
        }
    }

    /// <summary>CVTSI2SS/SD and VCVTSI2SS/SD: a signed r/m32 or r/m64 into the low element.</summary>
    private bool ExecCvtIntToScalar<F>(in Instruction i) where F : struct, IFloatFormat
    {
        int op = IsVex(i) ? 1 : 0;
        Vector256<byte> a = Xmm(i.GetOpRegister(op)).ToVector256Unsafe();
        ulong v;
        int size;
        if (i.GetOpKind(op + 1) == OpKind.Register)
        {
            Register r = i.GetOpRegister(op + 1);
            size = RegSize(r);
            v = GetReg(r);
        }
        else
        {
            size = s_memSize[(int)i.MemorySize];
            if (!Read(Ea(i), size, out v))
            {
                return false;
            }
        }
        var env = new FloatEnv(_state.Mxcsr);
        ulong result = SoftFloat.FromInt64<F>(size == 4 ? (int)(uint)v : (long)v, ref env);
        if (!CompleteFloat(env))
        {
            return false;
        }
        Lanes.Set<F>(ref a, 0, result);
        WriteXmmResult(i, a.GetLower());
        return true;
    }

    /// <summary>CVT(T)SS2SI/CVT(T)SD2SI, legacy and VEX: to r32 or r64 (a 32-bit write zero-extends).</summary>
    private bool ExecCvtScalarToInt<F>(in Instruction i, bool truncate) where F : struct, IFloatFormat
    {
        if (!ReadScalarOperand(i, 1, Lanes.Size<F>(), out ulong b))
        {
            return false;
        }
        var env = new FloatEnv(_state.Mxcsr);
        if (truncate)
        {
            env.Rounding = RoundingMode.TowardZero;
        }
        ulong result = SoftFloat.ToInt<F>(b, RegSize(i.Op0Register) * 8, ref env);
        if (!CompleteFloat(env))
        {
            return false;
        }
        SetReg(i.Op0Register, result);
        return true;
    }

    /// <summary>CVTSS2SD/CVTSD2SS and the VEX forms.</summary>
    private bool ExecCvtScalarToScalar<TFrom, TTo>(in Instruction i)
        where TFrom : struct, IFloatFormat where TTo : struct, IFloatFormat
    {
        if (!ReadScalarSources<TFrom>(i, out Vector256<byte> a, out ulong b))
        {
            return false;
        }
        var env = new FloatEnv(_state.Mxcsr);
        ulong result = SoftFloat.Convert<TFrom, TTo>(b, ref env);
        if (!CompleteFloat(env))
        {
            return false;
        }
        Lanes.Set<TTo>(ref a, 0, result);
        WriteXmmResult(i, a.GetLower());
        return true;
    }

    /// <summary>
    /// The packed conversions between ps, pd and dq, legacy and VEX.128/256. Widening forms read half
    /// a register (or m64/m128, never alignment-checked); narrowing forms write the low half and zero
    /// the rest of the XMM register (SDM Vol. 2A CVTPD2PS, CVTPD2DQ).
    /// </summary>
    private bool ExecCvtPacked(in Instruction i, PackedConversion kind)
    {
        bool narrowing = kind is PackedConversion.Pd2Ps or PackedConversion.Pd2Dq or PackedConversion.Pd2DqTruncate;
        bool widening = kind is PackedConversion.Ps2Pd or PackedConversion.Dq2Pd;
        int n;
        if (widening)
        {
            n = IsWide(i) ? 4 : 2;
        }
        else if (narrowing)
        {
            bool wideSource = i.Op1Kind == OpKind.Register ? i.Op1Register.IsYMM() : s_memSize[(int)i.MemorySize] == 32;
            n = wideSource ? 4 : 2;
        }
        else
        {
            n = IsWide(i) ? 8 : 4;
        }
        int inSize = narrowing ? 8 : 4;
        if (!ReadOperandBytes(i, 1, n * inSize, out Vector256<byte> s))
        {
            return false;
        }
        var env = new FloatEnv(_state.Mxcsr);
        if (kind is PackedConversion.Ps2DqTruncate or PackedConversion.Pd2DqTruncate)
        {
            env.Rounding = RoundingMode.TowardZero;
        }
        Vector256<byte> r = default;
        for (int k = 0; k < n; k++)
        {
            switch (kind)
            {
                case PackedConversion.Ps2Pd:
                    Lanes.SetU64(ref r, k, SoftFloat.Convert<Binary32, Binary64>(Lanes.U32(s, k), ref env));
                    break;
                case PackedConversion.Pd2Ps:
                    Lanes.SetU32(ref r, k, (uint)SoftFloat.Convert<Binary64, Binary32>(Lanes.U64(s, k), ref env));
                    break;
                case PackedConversion.Dq2Ps:
                    Lanes.SetU32(ref r, k, (uint)SoftFloat.FromInt64<Binary32>((int)Lanes.U32(s, k), ref env));
                    break;
                case PackedConversion.Dq2Pd:
                    Lanes.SetU64(ref r, k, SoftFloat.FromInt64<Binary64>((int)Lanes.U32(s, k), ref env));
                    break;
                case PackedConversion.Ps2Dq:
                case PackedConversion.Ps2DqTruncate:
                    Lanes.SetU32(ref r, k, (uint)SoftFloat.ToInt<Binary32>(Lanes.U32(s, k), 32, ref env));
                    break;
                default:
                    Lanes.SetU32(ref r, k, (uint)SoftFloat.ToInt<Binary64>(Lanes.U64(s, k), 32, ref env));
                    break;
            }
        }
        if (!CompleteFloat(env))
        {
            return false;
        }
        WritePacked(i, r, IsWide(i));
        return true;
    }

    /// <summary>
    /// Reads the low <paramref name="bytes"/> (8, 16 or 32) of operand <paramref name="op"/>: an XMM or
    /// YMM register, or memory. A legacy-SSE 16-byte memory operand must be 16-aligned; 8-byte (m64) and
    /// VEX operands need not be.
    /// </summary>
    private bool ReadOperandBytes(in Instruction i, int op, int bytes, out Vector256<byte> v)
    {
        if (i.GetOpKind(op) == OpKind.Register)
        {
            Register r = i.GetOpRegister(op);
            v = r.IsYMM() ? Ymm(r) : Xmm(r).ToVector256Unsafe();
            return true;
        }
        v = default;
        if (bytes == 8)
        {
            if (!Read(Ea(i), 8, out ulong q))
            {
                return false;
            }
            Lanes.SetU64(ref v, 0, q);
            return true;
        }
        if (bytes == 16)
        {
            bool ok = ReadXmmOperand(i, op, out Vector128<byte> x);
            v = x.ToVector256Unsafe();
            return ok;
        }
        return ReadVector256(Ea(i), out v);
    }

    /// <summary>CVTPI2PS xmm, mm/m64: two int32 into the low two elements, bits 127:64 unchanged. An
    /// MMX instruction even with a memory source (SDM Vol. 2A CVTPI2PS).</summary>
    private bool ExecCvtPi2Ps(in Instruction i)
    {
        if (!ReadMmOperand(i, out ulong src))
        {
            return false;
        }
        MmxTransition();
        Vector256<byte> a = Xmm(i.Op0Register).ToVector256Unsafe();
        var env = new FloatEnv(_state.Mxcsr);
        ulong lo = SoftFloat.FromInt64<Binary32>((int)(uint)src, ref env);
        ulong hi = SoftFloat.FromInt64<Binary32>((int)(uint)(src >> 32), ref env);
        if (!CompleteFloat(env))
        {
            return false;
        }
        Lanes.SetU64(ref a, 0, lo | (hi << 32));
        Xmm(i.Op0Register) = a.GetLower();
        return true;
    }

    /// <summary>CVTPI2PD xmm, mm/m64 (always exact): the MMX transition only for a register source
    /// (SDM Vol. 2A CVTPI2PD).</summary>
    private bool ExecCvtPi2Pd(in Instruction i)
    {
        if (!ReadMmOperand(i, out ulong src))
        {
            return false;
        }
        if (i.Op1Kind == OpKind.Register)
        {
            MmxTransition();
        }
        var env = new FloatEnv(_state.Mxcsr);
        Vector256<byte> r = default;
        Lanes.SetU64(ref r, 0, SoftFloat.FromInt64<Binary64>((int)(uint)src, ref env));
        Lanes.SetU64(ref r, 1, SoftFloat.FromInt64<Binary64>((int)(uint)(src >> 32), ref env));
        Xmm(i.Op0Register) = r.GetLower();
        return true;
    }

    /// <summary>CVT(T)PS2PI mm, xmm/m64 and CVT(T)PD2PI mm, xmm/m128 (16-aligned): two int32 into an MMX
    /// register.</summary>
    private bool ExecCvtToPi<F>(in Instruction i, bool truncate) where F : struct, IFloatFormat
    {
        if (!ReadOperandBytes(i, 1, 2 * Lanes.Size<F>(), out Vector256<byte> s))
        {
            return false;
        }
        MmxTransition();
        var env = new FloatEnv(_state.Mxcsr);
        if (truncate)
        {
            env.Rounding = RoundingMode.TowardZero;
        }
        ulong lo = SoftFloat.ToInt<F>(Lanes.Get<F>(s, 0), 32, ref env);
        ulong hi = SoftFloat.ToInt<F>(Lanes.Get<F>(s, 1), 32, ref env);
        if (!CompleteFloat(env))
        {
            return false;
        }
        WriteMm(i.Op0Register, lo | (hi << 32));
        return true;
    }

    /// <summary>Operand 1 of an MMX-source conversion: an MMX register or m64.</summary>
    private bool ReadMmOperand(in Instruction i, out ulong value)
    {
        if (i.Op1Kind == OpKind.Register)
        {
            value = Mm(i.Op1Register);
            return true;
        }
        return Read(Ea(i), 8, out value);
    }
}

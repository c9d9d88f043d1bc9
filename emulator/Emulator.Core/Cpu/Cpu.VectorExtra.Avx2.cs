using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Iced.Intel;

namespace Emulator.Core.Cpu;

public sealed partial class Cpu
{
    /// <summary>True for YMM0–YMM15 (a VEX.256 operand).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool IsYmmRegister(Register r) => r >= Register.YMM0 && r <= Register.YMM15;

    /// <summary>The elements of <paramref name="v"/> as a span of <typeparamref name="T"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Span<T> Elements<T>(ref Vector256<byte> v) where T : struct =>
        MemoryMarshal.Cast<Vector256<byte>, T>(new Span<Vector256<byte>>(ref v));

    /// <summary>Reads operand <paramref name="op"/> as up to 256 bits: a YMM register, an XMM register
    /// (bits 255:128 zero), or memory of the instruction's operand size (32, 16, or a 1–8 byte scalar,
    /// zero-extended). VEX operands need no alignment.</summary>
    private bool ReadVexOperand(in Instruction i, int op, out Vector256<byte> v)
    {
        if (i.GetOpKind(op) == OpKind.Register)
        {
            Register r = i.GetOpRegister(op);
            v = IsYmmRegister(r) ? Ymm(r) : Xmm(r).ToVector256();
            return true;
        }
        int size = s_memSize[(int)i.MemorySize];
        if (size == 32)
        {
            return ReadVector256(Ea(i), out v);
        }
        if (size == 16)
        {
            bool ok = ReadVector128(Ea(i), out Vector128<byte> x);
            v = x.ToVector256();
            return ok;
        }
        bool read = Read(Ea(i), size, out ulong s);
        v = Vector256.CreateScalar(s).AsByte();
        return read;
    }

    /// <summary>Writes a VEX result to <paramref name="dst"/>: all 256 bits of a YMM register, or bits
    /// 127:0 of an XMM register with 255:128 zeroed.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void WriteVexResult(Register dst, Vector256<byte> v)
    {
        if (IsYmmRegister(dst))
        {
            Ymm(dst) = v;
        }
        else
        {
            SetXmmZeroUpper(dst, v.GetLower());
        }
    }

    /// <summary>
    /// VPERMD, VPERMPS (indices in the second operand, data in the third), VPERMQ, VPERMPD (imm8),
    /// VPERM2I128, VPERM2F128, VPERMILPS and VPERMILPD (imm8 and variable), VPBLENDD (SDM Vol. 2C).
    /// Every operand is read before the destination is written, so a destination that is also a
    /// source, or a faulting memory operand, behaves as on hardware.
    /// </summary>
    private bool ExecVexPermute(in Instruction i)
    {
        Register d = i.Op0Register;
        Vector256<byte> r = default;
        switch (i.Mnemonic)
        {
            case Mnemonic.Vpermd:
            case Mnemonic.Vpermps:
            {
                if (!ReadVexOperand(i, 2, out Vector256<byte> data))
                {
                    return false;
                }
                Vector256<uint> index = Ymm(i.Op1Register).AsUInt32() & Vector256.Create(7u);
                r = Avx2.IsSupported
                    ? Avx2.PermuteVar8x32(data.AsUInt32(), index).AsByte()
                    : Vector256.Shuffle(data.AsUInt32(), index).AsByte();
                break;
            }
            case Mnemonic.Vpermq:
            case Mnemonic.Vpermpd:
            {
                if (!ReadVexOperand(i, 1, out Vector256<byte> s))
                {
                    return false;
                }
                int imm = i.Immediate8;
                Span<ulong> src = Elements<ulong>(ref s), dst = Elements<ulong>(ref r);
                for (int k = 0; k < 4; k++)
                {
                    dst[k] = src[(imm >> (2 * k)) & 3];
                }
                break;
            }
            case Mnemonic.Vperm2i128:
            case Mnemonic.Vperm2f128:
            {
                if (!ReadVexOperand(i, 2, out Vector256<byte> b))
                {
                    return false;
                }
                Vector256<byte> a = Ymm(i.Op1Register);
                int imm = i.Immediate8;
                r = Vector256.Create(Lane128(a, b, imm), Lane128(a, b, imm >> 4));
                break;
            }
            case Mnemonic.Vpermilps:
            {
                bool variable = i.OpCount == 3 && i.Op2Kind != OpKind.Immediate8;
                // Data is operand 1 in both forms: the r/m of the imm8 form, VEX.vvvv of the variable one.
                if (!ReadVexOperand(i, 1, out Vector256<byte> s) || !ReadControl(i, variable, out Vector256<byte> c))
                {
                    return false;
                }
                Span<uint> src = Elements<uint>(ref s), dst = Elements<uint>(ref r), ctl = Elements<uint>(ref c);
                int imm = i.Immediate8;
                for (int k = 0; k < 8; k++)
                {
                    int pick = variable ? (int)(ctl[k] & 3) : (imm >> (2 * (k & 3))) & 3;
                    dst[k] = src[(k & 4) + pick];
                }
                break;
            }
            case Mnemonic.Vpermilpd:
            {
                bool variable = i.OpCount == 3 && i.Op2Kind != OpKind.Immediate8;
                if (!ReadVexOperand(i, 1, out Vector256<byte> s) || !ReadControl(i, variable, out Vector256<byte> c))
                {
                    return false;
                }
                Span<ulong> src = Elements<ulong>(ref s), dst = Elements<ulong>(ref r), ctl = Elements<ulong>(ref c);
                int imm = i.Immediate8;
                for (int k = 0; k < 4; k++)
                {
                    int pick = variable ? (int)((ctl[k] >> 1) & 1) : (imm >> k) & 1;
                    dst[k] = src[(k & 2) + pick];
                }
                break;
            }
            default: // Vpblendd
            {
                if (!ReadVexOperand(i, 2, out Vector256<byte> b))
                {
                    return false;
                }
                Vector256<byte> a = ReadVexRegister(i.Op1Register);
                int imm = i.Immediate8;
                Vector256<uint> select = Vector256.Create(1u, 2, 4, 8, 16, 32, 64, 128);
                Vector256<uint> mask = Vector256.Equals(Vector256.Create((uint)imm) & select, select);
                r = Vector256.ConditionalSelect(mask, b.AsUInt32(), a.AsUInt32()).AsByte();
                break;
            }
        }
        WriteVexResult(d, r);
        return true;
    }

    /// <summary>An XMM or YMM register as 256 bits (an XMM register's bits 255:128 read as zero).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private Vector256<byte> ReadVexRegister(Register r) => IsYmmRegister(r) ? Ymm(r) : Xmm(r).ToVector256();

    /// <summary>The control operand of a variable VPERMILPS/VPERMILPD (operand 2, register or memory).</summary>
    private bool ReadControl(in Instruction i, bool variable, out Vector256<byte> c)
    {
        if (!variable)
        {
            c = default;
            return true;
        }
        return ReadVexOperand(i, 2, out c);
    }

    /// <summary>One 128-bit lane of VPERM2x128: <paramref name="control"/>[1:0] picks a.lo, a.hi,
    /// b.lo or b.hi; bit 3 zeroes it.</summary>
    private static Vector128<byte> Lane128(Vector256<byte> a, Vector256<byte> b, int control)
    {
        if ((control & 8) != 0)
        {
            return Vector128<byte>.Zero;
        }
        return (control & 3) switch
        {
            0 => a.GetLower(),
            1 => a.GetUpper(),
            2 => b.GetLower(),
            _ => b.GetUpper(),
        };
    }

    /// <summary>
    /// VBROADCASTSS/SD/F128/I128 and VPBROADCASTB/W/D/Q (from memory or an XMM register's low
    /// element), VINSERTF128/VINSERTI128 and VEXTRACTF128/VEXTRACTI128 (to an XMM register, whose bits
    /// 255:128 are zeroed, or to m128).
    /// </summary>
    private bool ExecVexBroadcastInsert(in Instruction i)
    {
        Register d = i.Op0Register;
        switch (i.Mnemonic)
        {
            case Mnemonic.Vinsertf128:
            case Mnemonic.Vinserti128:
            {
                if (!ReadVexOperand(i, 2, out Vector256<byte> x))
                {
                    return false;
                }
                Vector256<byte> a = Ymm(i.Op1Register);
                Ymm(d) = (i.Immediate8 & 1) == 0 ? a.WithLower(x.GetLower()) : a.WithUpper(x.GetLower());
                return true;
            }
            case Mnemonic.Vextractf128:
            case Mnemonic.Vextracti128:
            {
                Vector256<byte> s = Ymm(i.Op1Register);
                Vector128<byte> lane = (i.Immediate8 & 1) == 0 ? s.GetLower() : s.GetUpper();
                if (i.Op0Kind == OpKind.Memory)
                {
                    return WriteVector128(Ea(i), lane);
                }
                SetXmmZeroUpper(d, lane);
                return true;
            }
        }
        if (!ReadVexOperand(i, 1, out Vector256<byte> v))
        {
            return false;
        }
        Vector256<byte> r = i.Mnemonic switch
        {
            Mnemonic.Vpbroadcastb => Vector256.Create(v.GetElement(0)),
            Mnemonic.Vpbroadcastw => Vector256.Create(v.AsUInt16().GetElement(0)).AsByte(),
            Mnemonic.Vpbroadcastd or Mnemonic.Vbroadcastss => Vector256.Create(v.AsUInt32().GetElement(0)).AsByte(),
            Mnemonic.Vpbroadcastq or Mnemonic.Vbroadcastsd => Vector256.Create(v.AsUInt64().GetElement(0)).AsByte(),
            _ => Vector256.Create(v.GetLower(), v.GetLower()), // Vbroadcastf128, Vbroadcasti128
        };
        WriteVexResult(d, r);
        return true;
    }

    /// <summary>VPSLLVD/Q, VPSRLVD/Q, VPSRAVD: each element shifted by the matching element of the third
    /// operand, taken as an unsigned count; a count of the element width or more gives zero (logical)
    /// or the sign fill (arithmetic).</summary>
    private bool ExecVexVariableShift(in Instruction i)
    {
        if (!ReadVexOperand(i, 2, out Vector256<byte> c))
        {
            return false;
        }
        Vector256<byte> a = ReadVexRegister(i.Op1Register);
        Vector256<byte> r = default;
        switch (i.Mnemonic)
        {
            case Mnemonic.Vpsllvd:
            case Mnemonic.Vpsrlvd:
            case Mnemonic.Vpsravd:
            {
                Span<uint> src = Elements<uint>(ref a), cnt = Elements<uint>(ref c), dst = Elements<uint>(ref r);
                for (int k = 0; k < 8; k++)
                {
                    uint n = cnt[k];
                    dst[k] = i.Mnemonic switch
                    {
                        Mnemonic.Vpsllvd => n > 31 ? 0 : src[k] << (int)n,
                        Mnemonic.Vpsrlvd => n > 31 ? 0 : src[k] >> (int)n,
                        _ => (uint)((int)src[k] >> (int)Math.Min(n, 31u)),
                    };
                }
                break;
            }
            default:
            {
                Span<ulong> src = Elements<ulong>(ref a), cnt = Elements<ulong>(ref c), dst = Elements<ulong>(ref r);
                bool left = i.Mnemonic == Mnemonic.Vpsllvq;
                for (int k = 0; k < 4; k++)
                {
                    ulong n = cnt[k];
                    dst[k] = n > 63 ? 0 : left ? src[k] << (int)n : src[k] >> (int)n;
                }
                break;
            }
        }
        WriteVexResult(i.Op0Register, r);
        return true;
    }

    /// <summary>VTESTPS/VTESTPD (SDM Vol. 2C): on the sign bits of the elements only, ZF = (a AND b) is
    /// zero, CF = (NOT a AND b) is zero; AF, OF, PF, SF cleared.</summary>
    private bool ExecVexTest(in Instruction i)
    {
        if (!ReadVexOperand(i, 1, out Vector256<byte> b))
        {
            return false;
        }
        Vector256<byte> a = ReadVexRegister(i.Op0Register);
        Vector256<byte> sign = i.Mnemonic == Mnemonic.Vtestps
            ? Vector256.Create(0x8000_0000u).AsByte()
            : Vector256.Create(0x8000_0000_0000_0000UL).AsByte();
        bool zf = ((a & b & sign) == Vector256<byte>.Zero);
        bool cf = ((~a & b & sign) == Vector256<byte>.Zero);
        SetFlags(StatusFlags, (zf ? ZF : 0) | (cf ? CF : 0));
        return true;
    }

    /// <summary>VZEROUPPER (bits 255:128 of every YMM register zeroed) and VZEROALL (every YMM register).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private bool ExecVexZero(in Instruction i)
    {
        Vector256<byte>[] ymm = _state.Ymm;
        if (i.Mnemonic == Mnemonic.Vzeroall)
        {
            Array.Clear(ymm);
            return true;
        }
        for (int k = 0; k < ymm.Length; k++)
        {
            ymm[k] = ymm[k].GetLower().ToVector256();
        }
        return true;
    }
}

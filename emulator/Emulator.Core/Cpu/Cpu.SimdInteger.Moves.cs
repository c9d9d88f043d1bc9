using System.Runtime.Intrinsics;
using Iced.Intel;

namespace Emulator.Core.Cpu;

/// <summary>The data movement forms: whole registers, quadword halves, scalars, and MOVD/MOVQ to
/// and from the general-purpose registers. Each instruction's pages are translated before anything
/// is written (the store helpers translate first, the loads read before writing a register).</summary>
public sealed partial class Cpu
{
    /// <summary>MOVAPS/MOVAPD/MOVDQA/MOVNT* (<paramref name="aligned"/>: 16 or 32-byte alignment, #GP
    /// otherwise, in both encodings) and MOVUPS/MOVUPD/MOVDQU/LDDQU: load, store, or register copy.</summary>
    private bool ExecMoveFull(in Instruction i, bool aligned)
    {
        if (i.Op0Kind == OpKind.Register)
        {
            Register dst = i.Op0Register;
            bool wide = IsYmm(dst);
            if (i.Op1Kind == OpKind.Register)
            {
                if (wide)
                {
                    Ymm(dst) = Ymm(i.Op1Register);
                }
                else
                {
                    WriteXmmResult(in i, Xmm(i.Op1Register));
                }
                return true;
            }
            ulong ea = Ea(i);
            if (aligned && !CheckAligned(ea, wide ? 32 : 16))
            {
                return false;
            }
            if (wide)
            {
                if (!ReadVector256(ea, out Vector256<byte> v))
                {
                    return false;
                }
                Ymm(dst) = v;
                return true;
            }
            if (!ReadVector128(ea, out Vector128<byte> x))
            {
                return false;
            }
            WriteXmmResult(in i, x);
            return true;
        }
        ulong to = Ea(i);
        Register src = i.Op1Register;
        if (IsYmm(src))
        {
            return (!aligned || CheckAligned(to, 32)) && WriteVector256(to, Ymm(src));
        }
        return (!aligned || CheckAligned(to, 16)) && WriteVector128(to, Xmm(src));
    }

    /// <summary>MOVD/MOVQ (66 [REX.W] 0F 6E/7E and the VEX forms): a GPR or m32/m64 into the low
    /// element of an XMM register, the rest of the 128 bits zeroed (legacy keeps 255:128, VEX
    /// zeroes them); or the low element out to a GPR (a 32-bit write zero-extends) or memory.</summary>
    private bool ExecMoveGpr(in Instruction i, int size)
    {
        Register r0 = i.Op0Register;
        if (i.Op0Kind == OpKind.Register && r0 >= Register.XMM0 && r0 <= Register.XMM15)
        {
            ulong v;
            if (i.Op1Kind == OpKind.Register)
            {
                v = GetReg(i.Op1Register);
            }
            else if (!Read(Ea(i), size, out v))
            {
                return false;
            }
            WriteXmmResult(in i, Vector128.CreateScalar(v).AsByte());
            return true;
        }
        ulong x = Xmm(i.Op1Register).AsUInt64().ToScalar() & Mask(size);
        if (i.Op0Kind == OpKind.Register)
        {
            SetReg(r0, x);
            return true;
        }
        return Write(Ea(i), size, x);
    }

    /// <summary>MOVQ xmm, xmm/m64 (F3 0F 7E) and MOVQ xmm/m64, xmm (66 0F D6): the low quadword,
    /// bits 127:64 of a register destination zeroed.</summary>
    private bool ExecMoveQ(in Instruction i)
    {
        if (i.Op0Kind != OpKind.Register)
        {
            return Write(Ea(i), 8, Xmm(i.Op1Register).AsUInt64().ToScalar());
        }
        ulong v;
        if (i.Op1Kind == OpKind.Register)
        {
            v = Xmm(i.Op1Register).AsUInt64().ToScalar();
        }
        else if (!Read(Ea(i), 8, out v))
        {
            return false;
        }
        WriteXmmResult(in i, Vector128.CreateScalar(v).AsByte());
        return true;
    }

    /// <summary>MOVSS/MOVSD (XMM forms), <paramref name="size"/> 4 or 8. A load from memory zeroes
    /// the rest of the 128 bits; a register-to-register move replaces only the low element (legacy)
    /// or takes the rest from VEX.vvvv (VEX); a store writes the low element.</summary>
    private bool ExecMoveScalar(in Instruction i, int size)
    {
        if (i.Op0Kind != OpKind.Register)
        {
            return Write(Ea(i), size, Xmm(i.Op1Register).AsUInt64().ToScalar() & Mask(size));
        }
        Register dst = i.Op0Register;
        if (i.OpCount == 3)
        {
            // VEX.LIG 10/11 with registers: both encodings list dst, vvvv, source in that order.
            SetXmmZeroUpper(dst, MergeLow(Xmm(i.Op1Register), Xmm(i.Op2Register), size));
            return true;
        }
        if (i.Op1Kind != OpKind.Register)
        {
            if (!Read(Ea(i), size, out ulong v))
            {
                return false;
            }
            WriteXmmResult(in i, Vector128.CreateScalar(v).AsByte());
            return true;
        }
        ref Vector128<byte> d = ref Xmm(dst);
        d = MergeLow(d, Xmm(i.Op1Register), size);
        return true;
    }

    /// <summary><paramref name="upper"/> with its low dword (4) or quadword (8) from <paramref name="low"/>.</summary>
    private static Vector128<byte> MergeLow(Vector128<byte> upper, Vector128<byte> low, int size) => size == 4
        ? upper.AsUInt32().WithElement(0, low.AsUInt32().ToScalar()).AsByte()
        : upper.AsUInt64().WithElement(0, low.AsUInt64().ToScalar()).AsByte();

    /// <summary>MOVHPS/MOVHPD (<paramref name="high"/>) and MOVLPS/MOVLPD: m64 into one quadword
    /// (legacy: the other kept; VEX: the other from vvvv) or that quadword out to m64.</summary>
    private bool ExecMoveHalf(in Instruction i, bool high)
    {
        int k = high ? 1 : 0;
        if (i.Op0Kind != OpKind.Register)
        {
            return Write(Ea(i), 8, Xmm(i.Op1Register).AsUInt64().GetElement(k));
        }
        if (!Read(Ea(i), 8, out ulong v))
        {
            return false;
        }
        Register dst = i.Op0Register;
        if (IsVex(i))
        {
            SetXmmZeroUpper(dst, Xmm(i.Op1Register).AsUInt64().WithElement(k, v).AsByte());
        }
        else
        {
            ref Vector128<byte> d = ref Xmm(dst);
            d = d.AsUInt64().WithElement(k, v).AsByte();
        }
        return true;
    }

    /// <summary>MOVHLPS: the source's high quadword into the low one (VEX: high quadword of vvvv kept above it).</summary>
    private bool ExecMoveHighToLow(in Instruction i)
    {
        if (IsVex(i))
        {
            SetXmmZeroUpper(i.Op0Register, Vector128.Create(Xmm(i.Op2Register).AsUInt64().GetElement(1),
                Xmm(i.Op1Register).AsUInt64().GetElement(1)).AsByte());
            return true;
        }
        ref Vector128<byte> d = ref Xmm(i.Op0Register);
        d = d.AsUInt64().WithElement(0, Xmm(i.Op1Register).AsUInt64().GetElement(1)).AsByte();
        return true;
    }

    /// <summary>MOVLHPS: the source's low quadword into the high one (VEX: low quadword of vvvv below it).</summary>
    private bool ExecMoveLowToHigh(in Instruction i)
    {
        if (IsVex(i))
        {
            SetXmmZeroUpper(i.Op0Register, Vector128.Create(Xmm(i.Op1Register).AsUInt64().ToScalar(),
                Xmm(i.Op2Register).AsUInt64().ToScalar()).AsByte());
            return true;
        }
        ref Vector128<byte> d = ref Xmm(i.Op0Register);
        d = d.AsUInt64().WithElement(1, Xmm(i.Op1Register).AsUInt64().ToScalar()).AsByte();
        return true;
    }
}

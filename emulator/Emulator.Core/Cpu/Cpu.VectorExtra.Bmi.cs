using System.Numerics;
using System.Runtime.Intrinsics.X86;
using Iced.Intel;

namespace Emulator.Core.Cpu;

public sealed partial class Cpu
{
    /// <summary>
    /// The VEX-encoded general-purpose instructions of BMI1 (ANDN, BEXTR, BLSI, BLSMSK, BLSR) and BMI2
    /// (BZHI, MULX, PDEP, PEXT, RORX, SARX, SHLX, SHRX), 32- and 64-bit (VEX.W). A 32-bit destination
    /// is zero-extended. They only reach this unit at level v3: <see cref="ExecExtended"/> rejects VEX
    /// below it, and CPUID reports BMI1/BMI2 from v3 on.
    /// </summary>
    /// <remarks>
    /// Flags (SDM Vol. 2A/2B, each instruction's "Flags Affected"): ANDN SF ZF from the result, CF OF
    /// clear; BEXTR ZF, CF OF clear; BLSI ZF SF, CF = source ≠ 0, OF clear; BLSMSK SF, CF = source = 0,
    /// ZF OF clear; BLSR ZF SF, CF = source = 0, OF clear; BZHI ZF SF, CF = index &gt; operand size − 1,
    /// OF clear. The flags the SDM leaves undefined (AF, PF and, for BEXTR, SF) are written as AMD Zen 4
    /// does for all but BEXTR: PF from the result's low byte, AF clear, SF from the result. MULX, PDEP,
    /// PEXT, RORX, SARX, SHLX and SHRX leave every flag unchanged.
    /// </remarks>
    private bool ExecBmi(in Instruction i)
    {
        Register d = i.Op0Register;
        int size = RegSize(d);
        int bits = size * 8;
        ulong mask = Mask(size);
        ulong a, b;
        switch (i.Mnemonic)
        {
            case Mnemonic.Andn:
                // andn d, vvvv, r/m: d = ~vvvv & r/m
                if (!ReadSource(i, i.Op2Kind, i.Op2Register, 2, size, out b))
                {
                    return false;
                }
                a = GetReg(i.Op1Register);
                return BmiResult(d, ~a & b & mask, size, 0);
            case Mnemonic.Bextr:
            {
                if (!ReadSource(i, i.Op1Kind, i.Op1Register, 1, size, out a))
                {
                    return false;
                }
                ulong control = GetReg(i.Op2Register);
                int start = (int)(control & 0xFF);
                int length = (int)((control >> 8) & 0xFF);
                ulong r = start >= bits ? 0 : a >> start;
                if (length < bits)
                {
                    r &= (1UL << length) - 1;
                }
                return BmiResult(d, r, size, 0);
            }
            case Mnemonic.Blsi:
                if (!ReadSource(i, i.Op1Kind, i.Op1Register, 1, size, out a))
                {
                    return false;
                }
                return BmiResult(d, a & (0 - a) & mask, size, a != 0 ? CF : 0);
            case Mnemonic.Blsmsk:
            {
                if (!ReadSource(i, i.Op1Kind, i.Op1Register, 1, size, out a))
                {
                    return false;
                }
                ulong r = (a ^ (a - 1)) & mask;
                SetReg(d, r);
                // ZF is cleared, not computed: the result always has bit 0 set.
                SetFlags(StatusFlags, (Szp(r, size) & ~ZF) | (a == 0 ? CF : 0));
                return true;
            }
            case Mnemonic.Blsr:
                if (!ReadSource(i, i.Op1Kind, i.Op1Register, 1, size, out a))
                {
                    return false;
                }
                return BmiResult(d, a & (a - 1) & mask, size, a == 0 ? CF : 0);
            case Mnemonic.Bzhi:
            {
                if (!ReadSource(i, i.Op1Kind, i.Op1Register, 1, size, out a))
                {
                    return false;
                }
                int index = (int)(GetReg(i.Op2Register) & 0xFF);
                ulong r = index < bits ? a & ((1UL << index) - 1) : a;
                return BmiResult(d, r, size, index > bits - 1 ? CF : 0);
            }
            case Mnemonic.Mulx:
            {
                // mulx hi, lo, r/m: hi:lo = EDX/RDX × r/m. When hi and lo name one register it gets
                // the high half (the SDM writes DEST2 = lo first, then DEST1 = hi).
                if (!ReadSource(i, i.Op2Kind, i.Op2Register, 2, size, out b))
                {
                    return false;
                }
                ulong hi, lo;
                if (size == 8)
                {
                    hi = Math.BigMul(_r[2], b, out lo);
                }
                else
                {
                    ulong p = (_r[2] & 0xFFFF_FFFF) * b;
                    hi = p >> 32;
                    lo = p & 0xFFFF_FFFF;
                }
                SetReg(i.Op1Register, lo);
                SetReg(d, hi);
                return true;
            }
            case Mnemonic.Pdep:
            case Mnemonic.Pext:
                // pdep/pext d, vvvv (source), r/m (mask)
                if (!ReadSource(i, i.Op2Kind, i.Op2Register, 2, size, out b))
                {
                    return false;
                }
                a = GetReg(i.Op1Register);
                SetReg(d, i.Mnemonic == Mnemonic.Pdep ? Deposit(a, b) : Extract(a, b));
                return true;
            case Mnemonic.Rorx:
            {
                if (!ReadSource(i, i.Op1Kind, i.Op1Register, 1, size, out a))
                {
                    return false;
                }
                int n = (int)(i.Immediate8 & (size == 8 ? 63u : 31u));
                SetReg(d, size == 8 ? BitOperations.RotateRight(a, n) : BitOperations.RotateRight((uint)a, n));
                return true;
            }
            default:
            {
                // shlx/sarx/shrx d, r/m, vvvv (count, masked to the operand size)
                if (!ReadSource(i, i.Op1Kind, i.Op1Register, 1, size, out a))
                {
                    return false;
                }
                int n = (int)(GetReg(i.Op2Register) & (size == 8 ? 63UL : 31UL));
                ulong r = i.Mnemonic switch
                {
                    Mnemonic.Shlx => a << n,
                    Mnemonic.Shrx => a >> n,
                    _ => size == 8 ? (ulong)((long)a >> n) : (ulong)((int)(uint)a >> n),
                };
                SetReg(d, r & mask);
                return true;
            }
        }
    }

    /// <summary>Writes a BMI result and its flags: ZF, SF, PF from the result, CF as given, OF and AF clear.</summary>
    private bool BmiResult(Register d, ulong r, int size, ulong carry)
    {
        SetReg(d, r);
        SetFlags(StatusFlags, Szp(r, size) | carry);
        return true;
    }

    /// <summary>PDEP: the low bits of <paramref name="source"/>, in order, at the set bits of <paramref name="mask"/>.</summary>
    private static ulong Deposit(ulong source, ulong mask)
    {
        if (Bmi2.X64.IsSupported)
        {
            return Bmi2.X64.ParallelBitDeposit(source, mask);
        }
        ulong r = 0;
        for (ulong bit = 1; mask != 0; bit <<= 1)
        {
            ulong lowest = mask & (0 - mask);
            if ((source & bit) != 0)
            {
                r |= lowest;
            }
            mask ^= lowest;
        }
        return r;
    }

    /// <summary>PEXT: the bits of <paramref name="source"/> at the set bits of <paramref name="mask"/>, packed low.</summary>
    private static ulong Extract(ulong source, ulong mask)
    {
        if (Bmi2.X64.IsSupported)
        {
            return Bmi2.X64.ParallelBitExtract(source, mask);
        }
        ulong r = 0;
        for (ulong bit = 1; mask != 0; bit <<= 1)
        {
            ulong lowest = mask & (0 - mask);
            if ((source & lowest) != 0)
            {
                r |= bit;
            }
            mask ^= lowest;
        }
        return r;
    }
}

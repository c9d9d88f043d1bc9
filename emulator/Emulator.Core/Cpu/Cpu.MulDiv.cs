using Iced.Intel;

namespace Emulator.Core.Cpu;

public sealed partial class Cpu
{
    /// <summary>
    /// MUL and the one-, two- and three-operand IMUL (SDM Vol. 2A). CF = OF = 1 when the product does
    /// not fit the destination (MUL: the high half is non-zero; IMUL: the product differs from the
    /// sign-extended truncated result). SF, ZF, AF, PF are undefined: this CPU sets SF, ZF and PF from
    /// the low half of the result and clears AF.
    /// </summary>
    private bool ExecMul(in Instruction i)
    {
        bool signed = i.Mnemonic == Mnemonic.Imul;
        if (i.OpCount == 1)
        {
            int size = Op0Size(i);
            if (!ReadSource(i, i.Op0Kind, i.Op0Register, 0, size, out ulong src))
            {
                return false;
            }
            int bits = size * 8;
            ulong mask = Mask(size);
            ulong a = _r[0] & mask;
            ulong lo, hi;
            bool overflow;
            if (size == 8)
            {
                if (signed)
                {
                    Int128 p = (Int128)(long)a * (long)src;
                    lo = (ulong)p;
                    hi = (ulong)(p >> 64);
                    overflow = p != (long)lo;
                }
                else
                {
                    hi = Math.BigMul(a, src, out lo);
                    overflow = hi != 0;
                }
            }
            else
            {
                ulong p;
                if (signed)
                {
                    long sp = SignExtend(a, bits) * SignExtend(src, bits);
                    p = (ulong)sp;
                    overflow = sp != SignExtend(p & mask, bits);
                }
                else
                {
                    p = a * src;
                    overflow = (p >> bits) != 0;
                }
                lo = p & mask;
                hi = (p >> bits) & mask;
            }
            switch (size)
            {
                case 1: SetReg(Register.AX, (hi << 8) | lo); break;
                case 2: SetReg(Register.AX, lo); SetReg(Register.DX, hi); break;
                case 4: _r[0] = lo; _r[2] = hi; break;
                default: _r[0] = lo; _r[2] = hi; break;
            }
            SetLazyFlags(FlagKind.Result, 0, overflow ? CF | OF : 0, lo, size);
            return true;
        }
        {
            Register d = i.Op0Register;
            int size = RegSize(d);
            int bits = size * 8;
            ulong a, b;
            if (i.OpCount == 2)
            {
                a = GetReg(d);
                if (!ReadSource(i, i.Op1Kind, i.Op1Register, 1, size, out b))
                {
                    return false;
                }
            }
            else
            {
                if (!ReadSource(i, i.Op1Kind, i.Op1Register, 1, size, out a))
                {
                    return false;
                }
                b = i.GetImmediate(2) & Mask(size);
            }
            ulong r;
            bool overflow;
            if (size == 8)
            {
                Int128 p = (Int128)(long)a * (long)b;
                r = (ulong)p;
                overflow = p != (long)r;
            }
            else
            {
                long p = SignExtend(a, bits) * SignExtend(b, bits);
                r = (ulong)p & Mask(size);
                overflow = p != SignExtend(r, bits);
            }
            SetReg(d, r);
            SetLazyFlags(FlagKind.Result, 0, overflow ? CF | OF : 0, r, size);
            return true;
        }
    }

    /// <summary>
    /// DIV and IDIV (SDM Vol. 2A): (E/R)DX:(E/R)AX or AX divided by the operand; #DE when the divisor
    /// is zero or the quotient does not fit (IDIV truncates toward zero; the remainder has the sign of
    /// the dividend). All six flags are undefined: this CPU leaves them unchanged.
    /// </summary>
    private bool ExecDiv(in Instruction i)
    {
        int size = Op0Size(i);
        if (!ReadSource(i, i.Op0Kind, i.Op0Register, 0, size, out ulong divisor))
        {
            return false;
        }
        if (divisor == 0)
        {
            return Exit(CpuExitKind.DivideError);
        }
        int bits = size * 8;
        ulong mask = Mask(size);
        ulong lo = size == 1 ? _r[0] & 0xFF : _r[0] & mask;
        ulong hi = size == 1 ? (_r[0] >> 8) & 0xFF : _r[2] & mask;
        ulong q, rem;
        if (i.Mnemonic == Mnemonic.Div)
        {
            if (hi >= divisor)
            {
                return Exit(CpuExitKind.DivideError);
            }
            if (size == 8)
            {
                UInt128 n = ((UInt128)hi << 64) | lo;
                q = (ulong)(n / divisor);
                rem = (ulong)(n % divisor);
            }
            else
            {
                ulong n = (hi << bits) | lo;
                q = n / divisor;
                rem = n % divisor;
            }
        }
        else
        {
            Int128 n = size == 8 ? (Int128)(((UInt128)hi << 64) | lo) : SignExtend((hi << bits) | lo, bits * 2);
            Int128 d = size == 8 ? (long)divisor : SignExtend(divisor, bits);
            Int128 sq = n / d;
            Int128 sr = n % d;
            Int128 min = -((Int128)1 << (bits - 1));
            Int128 max = ((Int128)1 << (bits - 1)) - 1;
            if (sq < min || sq > max)
            {
                return Exit(CpuExitKind.DivideError);
            }
            q = (ulong)sq & mask;
            rem = (ulong)sr & mask;
        }
        switch (size)
        {
            case 1: SetReg(Register.AX, (rem << 8) | q); break;
            case 2: SetReg(Register.AX, q); SetReg(Register.DX, rem); break;
            case 4: _r[0] = q; _r[2] = rem; break;
            default: _r[0] = q; _r[2] = rem; break;
        }
        return true;
    }

    private static long SignExtend(ulong value, int bits) => bits >= 64 ? (long)value : (long)(value << (64 - bits)) >> (64 - bits);
}

using System.Numerics;

namespace Emulator.Core.Cpu.X87;

public static partial class SoftFloat80
{
    /// <summary>a + b (FADD), rounded to the context's precision.</summary>
    public static Ext80 Add(Ext80 a, Ext80 b, ref X87Context c) => AddSub(a, b, false, ref c);

    /// <summary>a − b (FSUB; FSUBR swaps the operands).</summary>
    public static Ext80 Sub(Ext80 a, Ext80 b, ref X87Context c) => AddSub(a, b, true, ref c);

    private static Ext80 AddSub(Ext80 a, Ext80 b, bool subtract, ref X87Context c)
    {
        if (a.IsUnsupported || b.IsUnsupported)
        {
            return Invalid(ref c);
        }
        if (a.IsNaN || b.IsNaN)
        {
            return PropagateNaN(a, b, ref c);
        }
        bool sa = a.Sign, sb = b.Sign ^ subtract;
        bool ia = a.Exponent == Ext80.MaxExponent, ib = b.Exponent == Ext80.MaxExponent;
        if (ia && ib && sa != sb)
        {
            return Invalid(ref c);
        }
        if (!DenormalCheck(a, b, ref c))
        {
            return default;
        }
        if (ia)
        {
            return Ext80.Infinity(sa);
        }
        if (ib)
        {
            return Ext80.Infinity(sb);
        }
        bool za = a.IsZero, zb = b.IsZero;
        if (za && zb)
        {
            return Ext80.Zero(sa == sb ? sa : c.Rounding == X87Rounding.Down);
        }
        if (za || zb)
        {
            // x ± 0 is x, still rounded to the precision (and a denormal x stays denormal).
            Ext80 x = za ? b : a;
            int ex = Normalize(x, out ulong mx);
            return RoundPack(za ? sb : sa, ex, mx, 0, c.Precision, ref c);
        }
        int ea = Normalize(a, out ulong ma), eb = Normalize(b, out ulong mb);
        if (ea < eb || (ea == eb && ma < mb))
        {
            (ea, eb) = (eb, ea);
            (ma, mb) = (mb, ma);
            (sa, sb) = (sb, sa);
        }
        // 62 guard bits below each significand: a subtraction renormalises by at most one bit unless
        // the exponents are within one, where the alignment shift loses nothing.
        UInt128 wa = (UInt128)ma << 62;
        UInt128 wb = ShiftRightJam((UInt128)mb << 62, ea - eb);
        UInt128 s = sa == sb ? wa + wb : wa - wb;
        if (s == UInt128.Zero)
        {
            return Ext80.Zero(c.Rounding == X87Rounding.Down);
        }
        int lz = (int)UInt128.LeadingZeroCount(s);
        s <<= lz;
        return RoundPack(sa, ea + 2 - lz, (ulong)(s >> 64), (ulong)s, c.Precision, ref c);
    }

    /// <summary>a × b (FMUL), rounded to the context's precision.</summary>
    public static Ext80 Mul(Ext80 a, Ext80 b, ref X87Context c)
    {
        if (a.IsUnsupported || b.IsUnsupported)
        {
            return Invalid(ref c);
        }
        if (a.IsNaN || b.IsNaN)
        {
            return PropagateNaN(a, b, ref c);
        }
        bool sign = a.Sign ^ b.Sign;
        bool ia = a.Exponent == Ext80.MaxExponent, ib = b.Exponent == Ext80.MaxExponent;
        if ((ia && b.IsZero) || (ib && a.IsZero))
        {
            return Invalid(ref c);
        }
        if (!DenormalCheck(a, b, ref c))
        {
            return default;
        }
        if (ia || ib)
        {
            return Ext80.Infinity(sign);
        }
        if (a.IsZero || b.IsZero)
        {
            return Ext80.Zero(sign);
        }
        int ea = Normalize(a, out ulong ma), eb = Normalize(b, out ulong mb);
        ulong hi = Math.BigMul(ma, mb, out ulong lo);
        int lz = BitOperations.LeadingZeroCount(hi);
        if (lz != 0)
        {
            hi = (hi << 1) | (lo >> 63);
            lo <<= 1;
        }
        return RoundPack(sign, ea + eb - Ext80.Bias + 1 - lz, hi, lo, c.Precision, ref c);
    }

    /// <summary>a ÷ b (FDIV; FDIVR swaps the operands), rounded to the context's precision.</summary>
    public static Ext80 Div(Ext80 a, Ext80 b, ref X87Context c)
    {
        if (a.IsUnsupported || b.IsUnsupported)
        {
            return Invalid(ref c);
        }
        if (a.IsNaN || b.IsNaN)
        {
            return PropagateNaN(a, b, ref c);
        }
        bool sign = a.Sign ^ b.Sign;
        bool ia = a.Exponent == Ext80.MaxExponent, ib = b.Exponent == Ext80.MaxExponent;
        if ((ia && ib) || (a.IsZero && b.IsZero))
        {
            return Invalid(ref c);
        }
        if (b.IsZero && !ia)
        {
            // #Z takes precedence over #D: a denormal dividend raises only ZE (checked on the host).
            c.Flags |= X87Exceptions.ZeroDivide;
            return Ext80.Infinity(sign);
        }
        if (!DenormalCheck(a, b, ref c))
        {
            return default;
        }
        if (ia)
        {
            return Ext80.Infinity(sign);
        }
        if (ib)
        {
            return Ext80.Zero(sign);
        }
        if (a.IsZero)
        {
            return Ext80.Zero(sign);
        }
        int ea = Normalize(a, out ulong ma), eb = Normalize(b, out ulong mb);
        int e = ea - eb + Ext80.Bias;
        UInt128 num;
        if (ma >= mb)
        {
            num = (UInt128)ma << 63;
        }
        else
        {
            num = (UInt128)ma << 64;
            e--;
        }
        UInt128 q = num / mb;
        ulong r = (ulong)(num - q * mb);
        UInt128 next = ((UInt128)r << 64) / mb;
        ulong r2 = (ulong)(((UInt128)r << 64) - next * mb);
        return RoundPack(sign, e, (ulong)q, (ulong)next | (r2 != 0 ? 1UL : 0), c.Precision, ref c);
    }

    /// <summary>√a (FSQRT), rounded to the context's precision. √−0 = −0.</summary>
    public static Ext80 Sqrt(Ext80 a, ref X87Context c)
    {
        if (a.IsUnsupported)
        {
            return Invalid(ref c);
        }
        if (a.IsNaN)
        {
            return PropagateNaN(a, ref c);
        }
        if (a.IsZero)
        {
            return a;
        }
        if (a.Sign)
        {
            return Invalid(ref c);
        }
        if (!DenormalCheck(a, ref c))
        {
            return default;
        }
        if (a.IsInfinity)
        {
            return a;
        }
        int e = Normalize(a, out ulong m) - Ext80.Bias;
        UInt128 radicand = (e & 1) == 0 ? (UInt128)m << 63 : (UInt128)m << 64;
        ulong root = ISqrt(radicand, out UInt128 rem);
        // √radicand − root ≥ ½ exactly when rem > root; it is never exactly ½.
        ulong extra = (rem > root ? 1UL << 63 : 0) | (rem != UInt128.Zero ? 1UL : 0);
        return RoundPack(false, (e >> 1) + Ext80.Bias, root, extra, c.Precision, ref c);
    }

    /// <summary>⌊√x⌋ for x &lt; 2^128 (digit by digit, exact), with x − root² in <paramref name="rem"/>.</summary>
    internal static ulong ISqrt(UInt128 x, out UInt128 rem)
    {
        UInt128 r = UInt128.Zero;
        ulong root = 0;
        for (int i = 126; i >= 0; i -= 2)
        {
            r = (r << 2) | ((x >> i) & 3);
            UInt128 trial = ((UInt128)root << 2) | 1;
            root <<= 1;
            if (r >= trial)
            {
                r -= trial;
                root |= 1;
            }
        }
        rem = r;
        return root;
    }
}

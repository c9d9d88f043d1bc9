using System.Numerics;

namespace Emulator.Core.Cpu.X87;

public static partial class SoftFloat80
{
    /// <summary>Compares a with b: FCOM/FCOMI (<paramref name="quiet"/> false: any NaN raises IE) and
    /// FUCOM/FUCOMI (true: only an SNaN raises IE). ±0 are equal; unsupported encodings raise IE.</summary>
    public static X87Relation Compare(Ext80 a, Ext80 b, bool quiet, ref X87Context c)
    {
        if (a.IsUnsupported || b.IsUnsupported)
        {
            c.Flags |= X87Exceptions.Invalid;
            return X87Relation.Unordered;
        }
        if (a.IsNaN || b.IsNaN)
        {
            if (!quiet || a.IsSignalingNaN || b.IsSignalingNaN)
            {
                c.Flags |= X87Exceptions.Invalid;
            }
            return X87Relation.Unordered;
        }
        DenormalCheck(a, b, ref c); // the relation is reported even when DE is unmasked
        bool za = a.IsZero, zb = b.IsZero;
        if (za && zb)
        {
            return X87Relation.Equal;
        }
        if (a.Sign != b.Sign)
        {
            return a.Sign ? X87Relation.Less : X87Relation.Greater;
        }
        int cmp = CompareMagnitude(a, b);
        if (cmp == 0)
        {
            return X87Relation.Equal;
        }
        return (cmp < 0) ^ a.Sign ? X87Relation.Less : X87Relation.Greater;
    }

    /// <summary>−1, 0, 1 as |a| is below, equal to or above |b| (supported, non-NaN values).</summary>
    private static int CompareMagnitude(Ext80 a, Ext80 b)
    {
        int ea = a.IsZero ? int.MinValue : Normalize(a, out ulong ma);
        int eb = b.IsZero ? int.MinValue : Normalize(b, out ulong mb);
        if (ea != eb)
        {
            return ea < eb ? -1 : 1;
        }
        if (a.IsZero)
        {
            return 0;
        }
        Normalize(a, out ma);
        Normalize(b, out mb);
        return ma.CompareTo(mb);
    }

    /// <summary>FRNDINT: rounds to an integer by RC (PC does not apply).</summary>
    public static Ext80 RoundToInteger(Ext80 a, ref X87Context c)
    {
        if (a.IsUnsupported)
        {
            return Invalid(ref c);
        }
        if (a.IsNaN)
        {
            return PropagateNaN(a, ref c);
        }
        if (a.IsZero || a.IsInfinity)
        {
            return a;
        }
        if (!DenormalCheck(a, ref c))
        {
            return default;
        }
        if (Normalize(a, out _) - Ext80.Bias >= 63)
        {
            return a;
        }
        ulong q = RoundToIntegerMagnitude(a, c.Rounding, out bool inexact, out bool up, out bool huge);
        if (inexact)
        {
            c.Flags |= up ? X87Exceptions.Precision | X87Exceptions.RoundedUp : X87Exceptions.Precision;
        }
        if (huge)
        {
            return new Ext80(Ext80.IntegerBit, (ushort)((a.Sign ? 0x8000 : 0) | (Ext80.Bias + 64)));
        }
        X87Context exact = X87Context.Masked();
        return FromScaled(a.Sign, q, 0, ref exact);
    }

    /// <summary>FSCALE: a × 2^trunc(b), rounded to 64 bits by RC (SDM Vol. 2A FSCALE, Table 3-49 for
    /// the special operands).</summary>
    public static Ext80 Scale(Ext80 a, Ext80 b, ref X87Context c)
    {
        if (a.IsUnsupported || b.IsUnsupported)
        {
            return Invalid(ref c);
        }
        if (a.IsNaN || b.IsNaN)
        {
            return PropagateNaN(a, b, ref c);
        }
        if (b.IsInfinity)
        {
            if ((b.Sign && a.IsInfinity) || (!b.Sign && a.IsZero))
            {
                return Invalid(ref c);
            }
            if (!DenormalCheck(a, ref c))
            {
                return default;
            }
            if (a.IsZero || a.IsInfinity)
            {
                return a;
            }
            return b.Sign ? Ext80.Zero(a.Sign) : Ext80.Infinity(a.Sign);
        }
        if (!DenormalCheck(a, b, ref c))
        {
            return default;
        }
        if (a.IsZero || a.IsInfinity)
        {
            return a;
        }
        int n = 0;
        if (!b.IsZero)
        {
            int eb = Normalize(b, out ulong mb) - Ext80.Bias;
            // Beyond 2^17 every finite a overflows or underflows the same way.
            n = eb < 0 ? 0 : eb > 17 ? 1 << 18 : (int)(mb >> (63 - eb));
            if (b.Sign)
            {
                n = -n;
            }
        }
        int ea = Normalize(a, out ulong ma);
        return RoundPack(a.Sign, ea + n, ma, 0, 64, ref c);
    }

    /// <summary>FXTRACT: splits a into its unbiased exponent (as a value) and its significand (same sign,
    /// exponent 0). Zero raises ZE and gives −∞ and the zero; ∞ gives +∞ and the ∞.</summary>
    public static void Extract(Ext80 a, out Ext80 exponent, out Ext80 significand, ref X87Context c)
    {
        if (a.IsUnsupported)
        {
            exponent = significand = Invalid(ref c);
            return;
        }
        if (a.IsNaN)
        {
            exponent = significand = PropagateNaN(a, ref c);
            return;
        }
        if (a.IsZero)
        {
            c.Flags |= X87Exceptions.ZeroDivide;
            exponent = Ext80.NegativeInfinity;
            significand = a;
            return;
        }
        if (a.IsInfinity)
        {
            exponent = Ext80.PositiveInfinity;
            significand = a;
            return;
        }
        if (!DenormalCheck(a, ref c))
        {
            exponent = significand = default;
            return;
        }
        int e = Normalize(a, out ulong m);
        exponent = FromInt64(e - Ext80.Bias);
        significand = new Ext80(m, (ushort)((a.Sign ? 0x8000 : 0) | Ext80.Bias));
    }

    /// <summary>
    /// FPREM (<paramref name="ieee"/> false: the quotient truncated) and FPREM1 (true: rounded to
    /// nearest even): a − q × b, exact. When the exponents differ by 64 or more only a partial
    /// reduction is done (<paramref name="incomplete"/>, C2 = 1): by b × 2^(D − N) with N = 32 + (D mod
    /// 32), the implementation-defined N of SDM Vol. 2A FPREM, measured on this host.
    /// </summary>
    /// <param name="a">ST(0), the dividend.</param>
    /// <param name="b">ST(1), the divisor.</param>
    /// <param name="ieee">FPREM1.</param>
    /// <param name="quotient">The low three bits of the quotient (C0 = bit 2, C3 = bit 1, C1 = bit 0) when complete.</param>
    /// <param name="incomplete">Whether only a partial reduction was done.</param>
    /// <param name="c">The context.</param>
    public static Ext80 Remainder(Ext80 a, Ext80 b, bool ieee, out int quotient, out bool incomplete, ref X87Context c)
    {
        quotient = 0;
        incomplete = false;
        if (a.IsUnsupported || b.IsUnsupported)
        {
            return Invalid(ref c);
        }
        if (a.IsNaN || b.IsNaN)
        {
            return PropagateNaN(a, b, ref c);
        }
        if (a.IsInfinity || b.IsZero)
        {
            return Invalid(ref c);
        }
        if (!DenormalCheck(a, b, ref c))
        {
            return default;
        }
        if (a.IsZero)
        {
            return a;
        }
        int ea = Normalize(a, out ulong ma);
        if (b.IsInfinity)
        {
            return RoundPack(a.Sign, ea, ma, 0, 64, ref c);
        }
        int eb = Normalize(b, out ulong mb);
        int d = ea - eb;
        bool sign = a.Sign;
        ulong r;
        int unit = eb - Ext80.Bias - 63;
        if (d >= 64)
        {
            int n = 32 + (d & 31);
            UInt128 num = (UInt128)ma << n;
            r = (ulong)(num % mb);
            unit += d - n;
            incomplete = true;
        }
        else if (d < 0)
        {
            // |a| < |b|: q = 0, or 1 for FPREM1 when |a| > |b| / 2.
            if (!ieee || d < -1 || ma <= mb)
            {
                // a itself, renormalised: a pseudo-denormal comes back normal, and a denormal is
                // delivered with UE (exponent wrapped) when underflow is unmasked, as the host does.
                return RoundPack(a.Sign, ea, ma, 0, 64, ref c);
            }
            // |b| − |a| with |b| = mb × 2^(ea+1): exact in 65 bits, so one bit of a may drop into the unit.
            UInt128 diff = ((UInt128)mb << 1) - ma;
            quotient = 1;
            int lz = BitOperations.LeadingZeroCount((ulong)diff);
            return RoundPack(!sign, ea - lz, (ulong)diff << lz, 0, 64, ref c);
        }
        else
        {
            UInt128 num = (UInt128)ma << d;
            UInt128 q = num / mb;
            r = (ulong)(num - q * mb);
            if (ieee && (r > mb - r || (r == mb - r && (q & 1) != UInt128.Zero)))
            {
                r = mb - r;
                q++;
                sign = !sign;
            }
            quotient = (int)(q & 7);
        }
        if (r == 0)
        {
            return Ext80.Zero(a.Sign);
        }
        return FromScaled(sign, r, unit, ref c);
    }
}

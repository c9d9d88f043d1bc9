namespace Emulator.Core.Cpu.X87;

/// <summary>
/// F2XM1, FYL2X, FYL2XP1 and FPATAN: the mathematical function evaluated in <see cref="WideFloat"/>
/// (128-bit significands: series after argument reduction) and rounded once to 64 bits by RC, so the
/// result is the correctly rounded one. This host's processor is not always correctly rounded: on
/// random arguments it agrees in about 98–99 % of cases and is otherwise 1 ulp away (measured; see
/// docs/design/cpu-x87.md). FPATAN uses the true π.
/// </summary>
public static partial class SoftFloat80
{
    private static readonly WideFloat s_ln2 = WideFloat.Constant(-1, 0xB172_17F7_D1CF_79AB, 0xC9E3_B398_03F2_F6AF);
    private static readonly WideFloat s_log2e = WideFloat.Constant(0, 0xB8AA_3B29_5C17_F0BB, 0xBE87_FED0_691D_3E89);
    private static readonly WideFloat s_pi = WideFloat.Constant(1, 0xC90F_DAA2_2168_C234, 0xC4C6_628B_80DC_1CD1);

    /// <summary>atan(k/8) for k = 0..8.</summary>
    private static readonly WideFloat[] s_atanEighths =
    [
        WideFloat.Zero,
        WideFloat.Constant(-4, 0xFEAD_D4D5_617B_6E32, 0xC897_989F_3E88_8EF8),
        WideFloat.Constant(-3, 0xFADB_AFC9_6406_EB15, 0x6DC7_9EF5_F7A2_17E6),
        WideFloat.Constant(-2, 0xB7B0_CA0F_26F7_8473, 0x8AA3_2122_DCFE_4483),
        WideFloat.Constant(-2, 0xED63_382B_0DDA_7B45, 0x6FE4_45EC_BC3A_8D03),
        WideFloat.Constant(-1, 0x8F00_5D5E_F7F5_9F9B, 0x5C83_5E16_65C4_3748),
        WideFloat.Constant(-1, 0xA4BC_7D19_34F7_0924, 0x19A8_7F2A_457D_AC9F),
        WideFloat.Constant(-1, 0xB805_3E2B_C231_9E73, 0xCB2D_A552_10A4_443D),
        WideFloat.Constant(-1, 0xC90F_DAA2_2168_C234, 0xC4C6_628B_80DC_1CD1),
    ];

    /// <summary>F2XM1: 2^x − 1 for −1 ≤ x ≤ 1. Outside that domain the result is undefined by the SDM;
    /// this host leaves x unchanged and raises PE, and so does this. For x = ±1 the host reports the
    /// (exact) results 1 and −0.5 as inexact, 1 as rounded up; so does this.</summary>
    public static Ext80 Exp2M1(Ext80 a, ref X87Context c)
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
        if (a.IsInfinity)
        {
            return a.Sign ? new Ext80(Ext80.IntegerBit, 0xBFFF) : a;
        }
        if (!DenormalCheck(a, ref c))
        {
            return default;
        }
        var x = WideFloat.FromExt80(a);
        int cmp = WideFloat.CompareMagnitude(x, WideFloat.One);
        if (cmp > 0)
        {
            c.Flags |= X87Exceptions.Precision;
            return a;
        }
        if (cmp == 0)
        {
            c.Flags |= a.Sign ? X87Exceptions.Precision : X87Exceptions.Precision | X87Exceptions.RoundedUp;
            return a.Sign ? new Ext80(Ext80.IntegerBit, 0xBFFE) : Ext80.One;
        }
        WideFloat t = x * s_ln2, term = t, sum = t;
        for (uint k = 2; k < 60; k++)
        {
            term = (term * t).DivSmall(k);
            if (term.IsZero || term.Exp < sum.Exp - 130)
            {
                break;
            }
            sum += term;
        }
        return sum.ToExt80(ref c);
    }

    /// <summary>FYL2X: y × log2(x) (x = ST(0), y = ST(1)); the special operands of SDM Vol. 2A FYL2X Table 3-53.</summary>
    public static Ext80 YLog2X(Ext80 x, Ext80 y, ref X87Context c)
    {
        if (x.IsUnsupported || y.IsUnsupported)
        {
            return Invalid(ref c);
        }
        if (x.IsNaN || y.IsNaN)
        {
            return PropagateNaN(x, y, ref c);
        }
        if (x.Sign && !x.IsZero)
        {
            return Invalid(ref c);                                        // log of a negative number
        }
        bool yInf = y.IsInfinity, yZero = y.IsZero;
        if (x.IsZero)
        {
            if (yZero)
            {
                return Invalid(ref c);
            }
            if (!yInf)
            {
                c.Flags |= X87Exceptions.ZeroDivide;                      // #Z, not #D, for a denormal y (host)
            }
            return Ext80.Infinity(!y.Sign);                              // y × −∞
        }
        if (x.IsInfinity)
        {
            if (yZero)
            {
                return Invalid(ref c);
            }
            return DenormalCheck(y, ref c) ? Ext80.Infinity(y.Sign) : default;
        }
        if (!DenormalCheck(x, y, ref c))
        {
            return default;
        }
        WideFloat l = Log2(WideFloat.FromExt80(x));
        if (yInf || yZero)
        {
            if (l.IsZero)
            {
                return yInf ? Invalid(ref c) : Ext80.Zero(y.Sign);           // log2(1) = +0
            }
            return yInf ? Ext80.Infinity(y.Sign ^ l.Sign) : Ext80.Zero(y.Sign ^ l.Sign);
        }
        if (l.IsZero)
        {
            return Ext80.Zero(y.Sign);
        }
        return AlwaysInexact((l * WideFloat.FromExt80(y)).ToExt80(ref c), ref c);
    }

    /// <summary>FYL2X and FYL2XP1 report PE (and UE for a tiny result) even when the product is exact
    /// (y × log2 8 = 3y), as this host does.</summary>
    private static Ext80 AlwaysInexact(Ext80 r, ref X87Context c)
    {
        c.Flags |= X87Exceptions.Precision;
        if (r.Exponent == 0 && !r.IsZero && (c.Masks & X87Exceptions.Underflow) != 0)
        {
            c.Flags |= X87Exceptions.Underflow;
        }
        return r;
    }

    /// <summary>FYL2XP1: y × log2(x + 1) (x = ST(0), y = ST(1)), for |x| &lt; 1 − √2/2 (outside, computed
    /// the same way while x &gt; −1).</summary>
    public static Ext80 YLog2XP1(Ext80 x, Ext80 y, ref X87Context c)
    {
        if (x.IsUnsupported || y.IsUnsupported)
        {
            return Invalid(ref c);
        }
        if (x.IsNaN || y.IsNaN)
        {
            return PropagateNaN(x, y, ref c);
        }
        bool yInf = y.IsInfinity, yZero = y.IsZero;
        if (x.IsZero)
        {
            if (yInf)
            {
                return Invalid(ref c);
            }
            return DenormalCheck(y, ref c) ? Ext80.Zero(x.Sign ^ y.Sign) : default;
        }
        if (x.IsInfinity)
        {
            if (x.Sign || yZero)
            {
                return Invalid(ref c);
            }
            return DenormalCheck(y, ref c) ? Ext80.Infinity(y.Sign) : default;
        }
        if (!DenormalCheck(x, y, ref c))
        {
            return default;
        }
        if (yInf)
        {
            return Ext80.Infinity(y.Sign ^ x.Sign);
        }
        if (yZero)
        {
            return Ext80.Zero(y.Sign ^ x.Sign);
        }
        var wx = WideFloat.FromExt80(x);
        if (x.Sign && WideFloat.CompareMagnitude(wx, WideFloat.One) >= 0)
        {
            // x ≤ −1 (outside the domain, log of a non-positive number): this host returns x itself.
            c.Flags |= X87Exceptions.Precision;
            return x;
        }
        WideFloat l;
        if (WideFloat.CompareMagnitude(wx, s_log1pSeriesLimit) <= 0)
        {
            // ln(1 + x) = 2 atanh(x / (2 + x)): no cancellation for small x.
            l = AtanhSeries(wx / (WideFloat.FromInt(2) + wx)).Scale(1) * s_log2e;
        }
        else
        {
            l = Log2(WideFloat.One + wx);                                   // outside the domain: plainly
        }
        return AlwaysInexact((l * WideFloat.FromExt80(y)).ToExt80(ref c), ref c);
    }

    /// <summary>1 − √2/2, FYL2XP1's domain bound; below it (in magnitude) the atanh series converges fast.</summary>
    private static readonly WideFloat s_log1pSeriesLimit = WideFloat.Constant(-2, 0x95F6_1998_0C43_36F7, 0x4D04_EC99_156A_82C1);

    /// <summary>FPATAN: atan2(y, x) with x = ST(0), y = ST(1), in (−π, π]; the special operands of SDM
    /// Vol. 2A FPATAN Table 3-30 (signed zeros and infinities give 0, ±π/4, ±π/2, ±3π/4, ±π).</summary>
    public static Ext80 Atan2(Ext80 y, Ext80 x, ref X87Context c)
    {
        if (x.IsUnsupported || y.IsUnsupported)
        {
            return Invalid(ref c);
        }
        if (x.IsNaN || y.IsNaN)
        {
            return PropagateNaN(x, y, ref c);
        }
        if (!DenormalCheck(x, y, ref c))
        {
            return default;
        }
        WideFloat r;
        if (y.IsZero)
        {
            if (!x.Sign)
            {
                return y;
            }
            r = s_pi;
        }
        else if (x.IsZero)
        {
            r = s_pi.Scale(-1);
        }
        else if (y.IsInfinity)
        {
            r = x.IsInfinity ? (x.Sign ? s_pi.Scale(-2) * WideFloat.FromInt(3) : s_pi.Scale(-2)) : s_pi.Scale(-1);
        }
        else if (x.IsInfinity)
        {
            if (!x.Sign)
            {
                return Ext80.Zero(y.Sign);
            }
            r = s_pi;
        }
        else
        {
            WideFloat ax = WideFloat.FromExt80(x).Abs(), ay = WideFloat.FromExt80(y).Abs();
            bool swap = WideFloat.CompareMagnitude(ay, ax) > 0;
            r = Atan01(swap ? ax / ay : ay / ax, out int residual);
            if (!swap && !x.Sign)
            {
                // atan(z) itself: for a tiny z the series stops at z exactly, and the omitted −z³/3
                // decides the rounding.
                return (y.Sign ? -r : r).ToExt80(ref c, residual);
            }
            if (swap)
            {
                r = s_pi.Scale(-1) - r;
            }
            if (x.Sign)
            {
                r = s_pi - r;
            }
        }
        return (y.Sign ? -r : r).ToExt80(ref c);
    }

    /// <summary>log2(x) for finite x &gt; 0: e + ln(m)·log2(e) with m in [√2/2, √2), ln m = 2 atanh((m−1)/(m+1)).</summary>
    private static WideFloat Log2(WideFloat x)
    {
        int e = x.Exp;
        var m = new WideFloat(false, 0, x.Sig);
        if (x.Sig > new UInt128(0xB504_F333_F9DE_6484, 0x597D_89B3_754A_BE9F))   // √2 × 2^127
        {
            m = m.Scale(-1);
            e++;
        }
        WideFloat s = (m - WideFloat.One) / (m + WideFloat.One);
        return WideFloat.FromInt(e) + AtanhSeries(s).Scale(1) * s_log2e;
    }

    /// <summary>atanh(s) = s + s³/3 + s⁵/5 + … for |s| ≤ 0.18.</summary>
    private static WideFloat AtanhSeries(WideFloat s)
    {
        if (s.IsZero)
        {
            return s;
        }
        WideFloat s2 = s * s, power = s, sum = s;
        for (uint k = 3; k < 200; k += 2)
        {
            power *= s2;
            WideFloat term = power.DivSmall(k);
            if (term.IsZero || term.Exp < sum.Exp - 130)
            {
                break;
            }
            sum += term;
        }
        return sum;
    }

    /// <summary>atan(z) for 0 ≤ z ≤ 1: atan(k/8) + atan((z − k/8) / (1 + z·k/8)) with k = round(8z), the
    /// second by its series (|t| ≤ 1/16). <paramref name="residual"/>: the sign of the first omitted term
    /// relative to the result (+1 above, −1 below in magnitude).</summary>
    private static WideFloat Atan01(WideFloat z, out int residual)
    {
        residual = 0;
        int k = (int)Math.Round(z.IsZero ? 0 : (double)(ulong)(z.Sig >> 64) * Math.Pow(2, z.Exp - 63) * 8);
        k = Math.Clamp(k, 0, 8);
        WideFloat t = z;
        if (k != 0)
        {
            WideFloat ck = WideFloat.FromInt(k).Scale(-3);
            t = (z - ck) / (WideFloat.One + z * ck);
        }
        WideFloat sum = t;
        if (!t.IsZero)
        {
            WideFloat t2 = t * t, power = t;
            for (uint n = 3; n < 200; n += 2)
            {
                power = -(power * t2);
                WideFloat term = power.DivSmall(n);
                if (term.IsZero || term.Exp < sum.Exp - 130)
                {
                    residual = term.Sign == sum.Sign ? 1 : -1;
                    break;
                }
                sum += term;
            }
        }
        return s_atanEighths[k] + sum;
    }
}

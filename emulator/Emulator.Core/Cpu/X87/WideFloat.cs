using System.Runtime.CompilerServices;

namespace Emulator.Core.Cpu.X87;

/// <summary>
/// A binary floating-point value with a 128-bit significand and an unbounded exponent: sign ×
/// <see cref="Sig"/> × 2^(<see cref="Exp"/> − 127), <see cref="Sig"/> normalised (bit 127 set) or zero.
/// The working precision of the transcendental functions: operations truncate to 128 bits (a relative
/// error below 2^-127 each), so a result rounded once to 64 bits is the correctly rounded one except
/// within ~2^-120 of a rounding boundary.
/// </summary>
internal readonly struct WideFloat
{
    public readonly bool Sign;
    public readonly int Exp;
    public readonly UInt128 Sig;

    public WideFloat(bool sign, int exp, UInt128 sig)
    {
        if (sig == UInt128.Zero)
        {
            Sign = sign;
            Exp = 0;
            Sig = UInt128.Zero;
            return;
        }
        int lz = (int)UInt128.LeadingZeroCount(sig);
        Sign = sign;
        Exp = exp - lz;
        Sig = sig << lz;
    }

    public static readonly WideFloat Zero = default;
    public static readonly WideFloat One = new(false, 0, UInt128.One << 127);

    public bool IsZero => Sig == UInt128.Zero;

    /// <summary>A 128-bit constant: <paramref name="hi"/>:<paramref name="lo"/> with bit 127 set, value in [2^exp, 2^(exp+1)).</summary>
    public static WideFloat Constant(int exp, ulong hi, ulong lo) => new(false, exp, new UInt128(hi, lo));

    /// <summary>A finite supported 80-bit value, exactly.</summary>
    public static WideFloat FromExt80(Ext80 v)
    {
        if (v.IsZero)
        {
            return new WideFloat(v.Sign, 0, UInt128.Zero);
        }
        int e = SoftFloat80.Normalize(v, out ulong m);
        return new WideFloat(v.Sign, e - Ext80.Bias, (UInt128)m << 64);
    }

    public static WideFloat FromInt(long n) =>
        new(n < 0, 127, (UInt128)(n < 0 ? (ulong)-n : (ulong)n));

    /// <summary>Rounds to 64 bits by the context's rounding control (raising PE, UE, OE, C1 as
    /// <see cref="SoftFloat80.RoundPack"/> does).</summary>
    public Ext80 ToExt80(ref X87Context c) =>
        IsZero ? Ext80.Zero(Sign) : SoftFloat80.RoundPack(Sign, Exp + Ext80.Bias, (ulong)(Sig >> 64), (ulong)Sig, 64, ref c);

    /// <summary>Rounds a value known only to lie just above (<paramref name="residual"/> +1) or just below
    /// (−1) this one in magnitude, by less than a unit of its 128th bit: the residual is a sticky bit
    /// (from below for −1), which decides the rounding when the 128-bit value is itself a 64-bit number
    /// (sin x ≈ x for tiny x is below x, tan x above).</summary>
    public Ext80 ToExt80(ref X87Context c, int residual)
    {
        if (IsZero || residual == 0)
        {
            return ToExt80(ref c);
        }
        UInt128 s = residual > 0 ? Sig : Sig - UInt128.One;
        int e = Exp;
        if ((s >> 127) == UInt128.Zero)
        {
            s = (s << 1) | UInt128.One;
            e--;
        }
        return SoftFloat80.RoundPack(Sign, e + Ext80.Bias, (ulong)(s >> 64), (ulong)s | 1, 64, ref c);
    }

    public WideFloat Negate() => new(!Sign, Exp, Sig);

    public WideFloat Abs() => new(false, Exp, Sig);

    /// <summary>This × 2^<paramref name="n"/>.</summary>
    public WideFloat Scale(int n) => IsZero ? this : new WideFloat(Sign, Exp + n, Sig);

    public static WideFloat operator -(WideFloat a) => a.Negate();

    public static WideFloat operator *(WideFloat a, WideFloat b)
    {
        if (a.IsZero || b.IsZero)
        {
            return new WideFloat(a.Sign ^ b.Sign, 0, UInt128.Zero);
        }
        ulong ah = (ulong)(a.Sig >> 64), al = (ulong)a.Sig, bh = (ulong)(b.Sig >> 64), bl = (ulong)b.Sig;
        UInt128 hh = Math.BigMul(ah, bh), hl = Math.BigMul(ah, bl), lh = Math.BigMul(al, bh), ll = Math.BigMul(al, bl);
        UInt128 lower = (UInt128)(ulong)hl + (ulong)lh + (ulong)(ll >> 64);   // bits 64..191 of the product, low part
        UInt128 top = hh + (hl >> 64) + (lh >> 64) + (lower >> 64);           // bits 128..255
        ulong next = (ulong)lower;                                            // bits 64..127
        if ((top >> 127) == UInt128.Zero)
        {
            top = (top << 1) | (next >> 63);
            return Raw(a.Sign ^ b.Sign, a.Exp + b.Exp, top);
        }
        return Raw(a.Sign ^ b.Sign, a.Exp + b.Exp + 1, top);
    }

    public static WideFloat operator +(WideFloat a, WideFloat b)
    {
        if (b.IsZero)
        {
            return a;
        }
        if (a.IsZero)
        {
            return b;
        }
        if (a.Exp < b.Exp || (a.Exp == b.Exp && a.Sig < b.Sig))
        {
            (a, b) = (b, a);
        }
        int d = a.Exp - b.Exp;
        if (d >= 128)
        {
            return a;
        }
        UInt128 x = a.Sig >> 1, y = (b.Sig >> 1) >> d;
        return a.Sign == b.Sign ? new WideFloat(a.Sign, a.Exp + 1, x + y) : new WideFloat(a.Sign, a.Exp + 1, x - y);
    }

    public static WideFloat operator -(WideFloat a, WideFloat b) => a + b.Negate();

    /// <summary>This ÷ <paramref name="n"/> for a small positive integer.</summary>
    public WideFloat DivSmall(uint n) => IsZero ? this : new WideFloat(Sign, Exp, Sig / n);

    public static WideFloat operator /(WideFloat a, WideFloat b) => a * Reciprocal(b);

    /// <summary>1 / b by Newton's iteration r ← r(2 − br) from a 53-bit estimate (two steps: 128 bits).</summary>
    public static WideFloat Reciprocal(WideFloat b)
    {
        double top = (double)(ulong)(b.Sig >> 64) / 9223372036854775808.0; // [1, 2)
        double r0 = 1.0 / top;
        ulong bits = (ulong)(r0 * 9223372036854775808.0);                    // r0 × 2^63, in (2^62, 2^63]
        var r = new WideFloat(b.Sign, 64 - b.Exp, bits);                       // bits × 2^-63 × 2^-b.Exp
        WideFloat two = FromInt(2);
        for (int k = 0; k < 2; k++)
        {
            r = r * (two - b * r);
        }
        return r;
    }

    /// <summary>Compares magnitudes: −1, 0, 1.</summary>
    public static int CompareMagnitude(WideFloat a, WideFloat b)
    {
        if (a.IsZero || b.IsZero)
        {
            return a.IsZero ? (b.IsZero ? 0 : -1) : 1;
        }
        return a.Exp != b.Exp ? a.Exp.CompareTo(b.Exp) : a.Sig.CompareTo(b.Sig);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static WideFloat Raw(bool sign, int exp, UInt128 sig) => new(sign, exp, sig);
}

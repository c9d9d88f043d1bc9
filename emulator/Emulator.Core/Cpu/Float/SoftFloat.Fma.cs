namespace Emulator.Core.Cpu.Float;

internal static partial class SoftFloat
{
    /// <summary>
    /// (±a × b) ± c with a single rounding (FMA3 VFMADD/VFMSUB/VFNMADD/VFNMSUB lanes).
    /// </summary>
    /// <param name="a">First multiplicand.</param>
    /// <param name="b">Second multiplicand.</param>
    /// <param name="c">Addend.</param>
    /// <param name="negateProduct">VFNMADD/VFNMSUB: the product is negated.</param>
    /// <param name="negateAddend">VFMSUB/VFNMSUB: the addend is subtracted.</param>
    /// <param name="env">Controls and collected conditions.</param>
    /// <remarks>A NaN source wins, the first of a, b, c in that order (whatever register held it:
    /// the 132/213/231 forms only choose which registers are a, b and c), and its sign is not
    /// changed by the negations. ∞ × 0 is invalid even when c is ∞; it is not when c is a NaN.
    /// Checked against the host processor by the SimdFloat tests.</remarks>
    public static ulong Fma<F>(ulong a, ulong b, ulong c, bool negateProduct, bool negateAddend, ref FloatEnv env)
        where F : struct, IFloatFormat
    {
        a = Input<F>(a, env);
        b = Input<F>(b, env);
        c = Input<F>(c, env);
        if (IsNaN<F>(a) || IsNaN<F>(b) || IsNaN<F>(c))
        {
            return PropagateNaN<F>(a, b, c, ref env);
        }
        ulong productSign = ((a ^ b) & F.SignBit) ^ (negateProduct ? F.SignBit : 0);
        c ^= negateAddend ? F.SignBit : 0;
        bool productZero = IsZero<F>(a) || IsZero<F>(b);
        bool productInf = IsInf<F>(a) || IsInf<F>(b);
        if (productInf && productZero)
        {
            env.Pre |= MxcsrBits.IE;
            return F.DefaultNaN;
        }
        if (productInf && IsInf<F>(c) && productSign != (c & F.SignBit))
        {
            env.Pre |= MxcsrBits.IE;
            return F.DefaultNaN;
        }
        NoteDenormal<F>(a, ref env);
        NoteDenormal<F>(b, ref env);
        NoteDenormal<F>(c, ref env);
        if (productInf)
        {
            return productSign | F.ExpMask;
        }
        if (IsInf<F>(c))
        {
            return c;
        }
        if (productZero)
        {
            if (IsZero<F>(c))
            {
                return productSign == c ? c : ExactZeroSum<F>(env);
            }
            return Deliver<F>(c, ref env);
        }

        // The exact product, leading one at bit 125: value = p × 2^(ep − 125).
        int ep = Unpack<F>(a, out ulong ma) + Unpack<F>(b, out ulong mb);
        UInt128 p = (UInt128)ma * mb;
        if ((p >> 125) != 0)
        {
            ep++;
        }
        else
        {
            p <<= 1;
        }
        if (IsZero<F>(c))
        {
            return RoundPack128<F>(productSign != 0, ep, p, ref env);
        }
        int ec = Unpack<F>(c, out ulong mc);
        UInt128 q = (UInt128)mc << 63;
        bool sp = productSign != 0;
        bool sc = Sign<F>(c);
        if (ep < ec || (ep == ec && p < q))
        {
            (ep, ec) = (ec, ep);
            (p, q) = (q, p);
            (sp, sc) = (sc, sp);
        }
        q = ShiftRightJam128(q, ep - ec);
        UInt128 r;
        if (sp == sc)
        {
            r = p + q;
        }
        else
        {
            r = p - q;
            if (r == UInt128.Zero)
            {
                return ExactZeroSum<F>(env);
            }
        }
        return RoundPack128<F>(sp, ep, r, ref env);
    }

    /// <summary>Rounds sign × r × 2^(e−125) (r non-zero, any leading position below bit 127).</summary>
    private static ulong RoundPack128<F>(bool negative, int e, UInt128 r, ref FloatEnv env) where F : struct, IFloatFormat
    {
        int top = 127 - (int)UInt128.LeadingZeroCount(r);
        e += top - 125;
        ulong m;
        if (top > Lead)
        {
            int n = top - Lead;
            m = (ulong)(r >> n) | ((r << (128 - n)) != UInt128.Zero ? 1UL : 0);
        }
        else
        {
            m = (ulong)r << (Lead - top);
        }
        return RoundPack<F>(negative, e, m, ref env);
    }

    private static UInt128 ShiftRightJam128(UInt128 m, int n)
    {
        if (n == 0)
        {
            return m;
        }
        if (n >= 128)
        {
            return m != UInt128.Zero ? UInt128.One : UInt128.Zero;
        }
        return (m >> n) | ((m << (128 - n)) != UInt128.Zero ? UInt128.One : UInt128.Zero);
    }
}

using System.Numerics;

namespace Emulator.Core.Cpu.Float;

internal static partial class SoftFloat
{
    /// <summary>a + b (ADDSS/ADDSD/ADDPS/ADDPD lanes).</summary>
    public static ulong Add<F>(ulong a, ulong b, ref FloatEnv env) where F : struct, IFloatFormat =>
        AddSigned<F>(a, b, 0, ref env);

    /// <summary>a − b (SUBSS/SUBSD/SUBPS/SUBPD lanes). A NaN b propagates with its own sign.</summary>
    public static ulong Sub<F>(ulong a, ulong b, ref FloatEnv env) where F : struct, IFloatFormat =>
        AddSigned<F>(a, b, F.SignBit, ref env);

    private static ulong AddSigned<F>(ulong a, ulong b, ulong flipB, ref FloatEnv env) where F : struct, IFloatFormat
    {
        a = Input<F>(a, env);
        b = Input<F>(b, env);
        if (IsSpecial<F>(a) || IsSpecial<F>(b))
        {
            if (IsNaN<F>(a) || IsNaN<F>(b))
            {
                return PropagateNaN<F>(a, b, ref env);
            }
            b ^= flipB;
            if (IsInf<F>(a) && IsInf<F>(b) && a != b)
            {
                env.Pre |= MxcsrBits.IE;
                return F.DefaultNaN;
            }
            NoteDenormal<F>(a, ref env);
            NoteDenormal<F>(b, ref env);
            return IsInf<F>(a) ? a : b;
        }
        NoteDenormal<F>(a, ref env);
        NoteDenormal<F>(b, ref env);
        return AddFinite<F>(a, b ^ flipB, ref env);
    }

    /// <summary>The sum of two finite values (DAZ applied, DE noted).</summary>
    private static ulong AddFinite<F>(ulong a, ulong b, ref FloatEnv env) where F : struct, IFloatFormat
    {
        if (IsZero<F>(b))
        {
            return IsZero<F>(a) ? (a == b ? a : ExactZeroSum<F>(env)) : Deliver<F>(a, ref env);
        }
        if (IsZero<F>(a))
        {
            return Deliver<F>(b, ref env);
        }
        bool sa = Sign<F>(a);
        bool sb = Sign<F>(b);
        int ea = Unpack<F>(a, out ulong ma);
        int eb = Unpack<F>(b, out ulong mb);
        if (ea < eb || (ea == eb && ma < mb))
        {
            (ea, eb) = (eb, ea);
            (ma, mb) = (mb, ma);
            (sa, sb) = (sb, sa);
        }
        mb = ShiftRightJam(mb, ea - eb);
        if (sa == sb)
        {
            ulong sum = ma + mb;
            if ((sum >> 63) != 0)
            {
                sum = (sum >> 1) | (sum & 1);
                ea++;
            }
            return RoundPack<F>(sa, ea, sum, ref env);
        }
        ulong diff = ma - mb;
        if (diff == 0)
        {
            return ExactZeroSum<F>(env);
        }
        int lz = BitOperations.LeadingZeroCount(diff) - 1;
        return RoundPack<F>(sa, ea - lz, diff << lz, ref env);
    }

    /// <summary>a × b.</summary>
    public static ulong Mul<F>(ulong a, ulong b, ref FloatEnv env) where F : struct, IFloatFormat
    {
        a = Input<F>(a, env);
        b = Input<F>(b, env);
        ulong sign = (a ^ b) & F.SignBit;
        if (IsSpecial<F>(a) || IsSpecial<F>(b))
        {
            if (IsNaN<F>(a) || IsNaN<F>(b))
            {
                return PropagateNaN<F>(a, b, ref env);
            }
            if (IsZero<F>(a) || IsZero<F>(b))
            {
                env.Pre |= MxcsrBits.IE;
                return F.DefaultNaN;
            }
            NoteDenormal<F>(a, ref env);
            NoteDenormal<F>(b, ref env);
            return sign | F.ExpMask;
        }
        NoteDenormal<F>(a, ref env);
        NoteDenormal<F>(b, ref env);
        if (IsZero<F>(a) || IsZero<F>(b))
        {
            return sign;
        }
        int e = Unpack<F>(a, out ulong ma) + Unpack<F>(b, out ulong mb);
        ulong hi = Math.BigMul(ma, mb, out ulong lo);
        // The product is below 2^126 and at least 2^124: bring its leading one to bit 62.
        ulong m;
        if ((hi >> 61) != 0)
        {
            m = (hi << 1) | (lo >> 63) | ((lo << 1) != 0 ? 1UL : 0);
            e++;
        }
        else
        {
            m = (hi << 2) | (lo >> 62) | ((lo << 2) != 0 ? 1UL : 0);
        }
        return RoundPack<F>(sign != 0, e, m, ref env);
    }

    /// <summary>a ÷ b.</summary>
    public static ulong Div<F>(ulong a, ulong b, ref FloatEnv env) where F : struct, IFloatFormat
    {
        a = Input<F>(a, env);
        b = Input<F>(b, env);
        ulong sign = (a ^ b) & F.SignBit;
        if (IsSpecial<F>(a) || IsSpecial<F>(b))
        {
            if (IsNaN<F>(a) || IsNaN<F>(b))
            {
                return PropagateNaN<F>(a, b, ref env);
            }
            if (IsInf<F>(a) && IsInf<F>(b))
            {
                env.Pre |= MxcsrBits.IE;
                return F.DefaultNaN;
            }
            NoteDenormal<F>(a, ref env);
            NoteDenormal<F>(b, ref env);
            return IsInf<F>(a) ? sign | F.ExpMask : sign;
        }
        if (IsZero<F>(b))
        {
            if (IsZero<F>(a))
            {
                env.Pre |= MxcsrBits.IE;
                return F.DefaultNaN;
            }
            env.Pre |= MxcsrBits.ZE;
            return sign | F.ExpMask;
        }
        NoteDenormal<F>(a, ref env);
        NoteDenormal<F>(b, ref env);
        if (IsZero<F>(a))
        {
            return sign;
        }
        int e = Unpack<F>(a, out ulong ma) - Unpack<F>(b, out ulong mb);
        // Scale the dividend so the quotient's leading one is at bit 62 (ma, mb ∈ [2^62, 2^63)).
        int shift = 62;
        if (ma < mb)
        {
            shift = 63;
            e--;
        }
        UInt128 n = (UInt128)ma << shift;
        ulong q = (ulong)(n / mb);
        ulong r = (ulong)(n - (UInt128)q * mb);
        return RoundPack<F>(sign != 0, e, q | (r != 0 ? 1UL : 0), ref env);
    }

    /// <summary>√a.</summary>
    public static ulong Sqrt<F>(ulong a, ref FloatEnv env) where F : struct, IFloatFormat
    {
        a = Input<F>(a, env);
        if (IsNaN<F>(a))
        {
            return QuietNaN<F>(a, ref env);
        }
        if (IsZero<F>(a))
        {
            return a;
        }
        if (Sign<F>(a))
        {
            env.Pre |= MxcsrBits.IE;
            return F.DefaultNaN;
        }
        if (IsInf<F>(a))
        {
            return a;
        }
        NoteDenormal<F>(a, ref env);
        int e = Unpack<F>(a, out ulong m);
        // √(m·2^64) (e even) or √(m·2^65) (e odd) has its leading one at bit 63.
        UInt128 n = (UInt128)m << (64 + (e & 1));
        ulong root = ISqrt(n, out bool exact);
        ulong mr = (root >> 1) | (root & 1) | (exact ? 0UL : 1UL);
        return RoundPack<F>(false, e >> 1, mr, ref env);
    }

    /// <summary>⌊√n⌋ for n ∈ [2^126, 2^128); <paramref name="exact"/> when it is the exact root.</summary>
    private static ulong ISqrt(UInt128 n, out bool exact)
    {
        // The double estimate is within a few parts in 2^52; one Newton step in integers brings it
        // within one, and the last steps make it exact.
        double estimate = Math.Sqrt((double)n);
        UInt128 r = estimate >= 18446744073709551615.0 ? ulong.MaxValue : (ulong)estimate;
        r = (r + n / r) >> 1;
        if (r > ulong.MaxValue)
        {
            r = ulong.MaxValue;
        }
        while (r * r > n)
        {
            r--;
        }
        while (r < ulong.MaxValue && (r + 1) * (r + 1) <= n)
        {
            r++;
        }
        exact = r * r == n;
        return (ulong)r;
    }

    /// <summary>MINSS/MINPS lane: a &lt; b ? a : b. Any NaN source reports IE and returns b as it is
    /// (a signalling b is not quieted); two zeros return b (SDM Vol. 2B MINPS).</summary>
    public static ulong Min<F>(ulong a, ulong b, ref FloatEnv env) where F : struct, IFloatFormat =>
        MinMax<F>(a, b, max: false, ref env);

    /// <summary>MAXSS/MAXPS lane: a &gt; b ? a : b, with <see cref="Min{F}"/>'s NaN and zero rules.</summary>
    public static ulong Max<F>(ulong a, ulong b, ref FloatEnv env) where F : struct, IFloatFormat =>
        MinMax<F>(a, b, max: true, ref env);

    private static ulong MinMax<F>(ulong a, ulong b, bool max, ref FloatEnv env) where F : struct, IFloatFormat
    {
        a = Input<F>(a, env);
        b = Input<F>(b, env);
        if (IsNaN<F>(a) || IsNaN<F>(b))
        {
            env.Pre |= MxcsrBits.IE;
            return b;
        }
        NoteDenormal<F>(a, ref env);
        NoteDenormal<F>(b, ref env);
        long ka = OrderKey<F>(a);
        long kb = OrderKey<F>(b);
        return (max ? ka > kb : ka < kb) ? a : b;
    }

    /// <summary>A signed integer ordered like the non-NaN value <paramref name="x"/>, both zeros equal.</summary>
    private static long OrderKey<F>(ulong x) where F : struct, IFloatFormat
    {
        long magnitude = (long)(x & ~F.SignBit);
        return Sign<F>(x) ? -magnitude : magnitude;
    }
}

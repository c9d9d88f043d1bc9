using System.Numerics;
using System.Runtime.CompilerServices;

namespace Emulator.Core.Cpu.Float;

/// <summary>
/// An exact software implementation of IEEE-754 binary32/binary64 arithmetic with the x86 SSE
/// conventions: MXCSR rounding, DAZ and FTZ, the six exception conditions with x86's detection rules,
/// and x86 NaN propagation. Every result is bit-identical to SSE/AVX hardware.
/// </summary>
/// <remarks>
/// <para>Values are carried in the low bits of a <see cref="ulong"/>; the generic parameter names the
/// format. Finite non-zero operands are unpacked to an exponent <c>e</c> and a 64-bit significand
/// <c>m</c> with its leading one at bit 62 (value = m × 2^(e−62)). Every operation produces the
/// exact result, or a result whose bits below the rounding position are exact except for a sticky
/// ("jam") bit standing for any non-zero remainder, so the single rounding in
/// <see cref="RoundPack{F}"/> is correct.</para>
/// <para>x86 rules (SDM Vol. 1 §4.8.3.5, §4.9, §10.2.3.3–4, §11.5.2): tininess is detected after
/// rounding; masked underflow is reported only when the result is also inexact, unmasked underflow
/// whenever it is tiny; unmasked, PE then reports whether the full-precision result is inexact
/// (the one a trap handler would see scaled), for overflow as for underflow; FTZ turns a
/// tiny result into a zero of its sign and reports UE and PE; DAZ reads denormal sources as zeros and
/// then no DE is reported. A NaN source wins over every other condition: a signalling NaN reports
/// IE and is quieted, and when both sources are NaNs the first one is returned. An invalid operation
/// returns the negative "real indefinite" QNaN. DE is reported only when the operation goes on to
/// compute a numeric result (not for a NaN result, an invalid operation or a division by zero).</para>
/// </remarks>
internal static partial class SoftFloat
{
    /// <summary>Bit of the leading one in a normalised working significand.</summary>
    private const int Lead = 62;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool IsNaN<F>(ulong x) where F : struct, IFloatFormat => (x & ~F.SignBit) > F.ExpMask;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool IsSignalling<F>(ulong x) where F : struct, IFloatFormat => IsNaN<F>(x) && (x & F.QuietBit) == 0;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool IsInf<F>(ulong x) where F : struct, IFloatFormat => (x & ~F.SignBit) == F.ExpMask;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool IsZero<F>(ulong x) where F : struct, IFloatFormat => (x & ~F.SignBit) == 0;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool IsDenormal<F>(ulong x) where F : struct, IFloatFormat => (x & F.ExpMask) == 0 && (x & F.FracMask) != 0;

    /// <summary>∞ or NaN (exponent all ones).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool IsSpecial<F>(ulong x) where F : struct, IFloatFormat => (x & F.ExpMask) == F.ExpMask;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool Sign<F>(ulong x) where F : struct, IFloatFormat => (x & F.SignBit) != 0;

    /// <summary>A source operand as the instruction reads it: under DAZ a denormal is a zero of its sign.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong Input<F>(ulong x, in FloatEnv env) where F : struct, IFloatFormat =>
        env.Daz && IsDenormal<F>(x) ? x & F.SignBit : x;

    /// <summary>Reports DE for a denormal source (one that survived <see cref="Input{F}"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void NoteDenormal<F>(ulong x, ref FloatEnv env) where F : struct, IFloatFormat
    {
        if (IsDenormal<F>(x))
        {
            env.Pre |= MxcsrBits.DE;
        }
    }

    /// <summary>NaN <paramref name="x"/> quieted; IE when it was signalling.</summary>
    public static ulong QuietNaN<F>(ulong x, ref FloatEnv env) where F : struct, IFloatFormat
    {
        if ((x & F.QuietBit) == 0)
        {
            env.Pre |= MxcsrBits.IE;
        }
        return x | F.QuietBit;
    }

    /// <summary>The NaN result of a two-source operation with at least one NaN source: the first NaN
    /// source, quieted; IE when either source is signalling (SDM Vol. 1 Table 4-7, SSE column).</summary>
    public static ulong PropagateNaN<F>(ulong a, ulong b, ref FloatEnv env) where F : struct, IFloatFormat
    {
        if (IsSignalling<F>(a) || IsSignalling<F>(b))
        {
            env.Pre |= MxcsrBits.IE;
        }
        return (IsNaN<F>(a) ? a : b) | F.QuietBit;
    }

    /// <summary>The three-source version (FMA): the first NaN in operand order, quieted.</summary>
    public static ulong PropagateNaN<F>(ulong a, ulong b, ulong c, ref FloatEnv env) where F : struct, IFloatFormat
    {
        if (IsSignalling<F>(a) || IsSignalling<F>(b) || IsSignalling<F>(c))
        {
            env.Pre |= MxcsrBits.IE;
        }
        return (IsNaN<F>(a) ? a : IsNaN<F>(b) ? b : c) | F.QuietBit;
    }

    /// <summary>Unpacks a finite non-zero value: returns e and sets <paramref name="m"/> with its leading
    /// one at bit 62 (value = m × 2^(e−62)); denormals are normalised.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int Unpack<F>(ulong x, out ulong m) where F : struct, IFloatFormat
    {
        int exp = (int)((x & F.ExpMask) >> F.FracBits);
        ulong frac = x & F.FracMask;
        if (exp != 0)
        {
            m = (frac | (1UL << F.FracBits)) << (Lead - F.FracBits);
            return exp - F.Bias;
        }
        int p = 63 - BitOperations.LeadingZeroCount(frac);
        m = frac << (Lead - p);
        return p + 1 - F.Bias - F.FracBits;
    }

    /// <summary><paramref name="m"/> shifted right by <paramref name="n"/> (≥ 0), with every bit shifted
    /// out ORed into bit 0.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong ShiftRightJam(ulong m, int n)
    {
        if (n == 0)
        {
            return m;
        }
        if (n >= 64)
        {
            return m != 0 ? 1UL : 0;
        }
        return (m >> n) | ((m << (64 - n)) != 0 ? 1UL : 0);
    }

    /// <summary><paramref name="m"/> rounded to an integer multiple of 2^<paramref name="s"/> and divided
    /// by it, in direction <paramref name="rc"/> for a value of sign <paramref name="negative"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong RoundShift(ulong m, int s, bool negative, RoundingMode rc, out bool inexact)
    {
        ulong rem = m & ((1UL << s) - 1);
        ulong q = m >> s;
        inexact = rem != 0;
        switch (rc)
        {
            case RoundingMode.Nearest:
                ulong half = 1UL << (s - 1);
                if (rem > half || (rem == half && (q & 1) != 0))
                {
                    q++;
                }
                break;
            case RoundingMode.Down:
                if (negative && inexact)
                {
                    q++;
                }
                break;
            case RoundingMode.Up:
                if (!negative && inexact)
                {
                    q++;
                }
                break;
        }
        return q;
    }

    /// <summary>
    /// Rounds sign × m × 2^(e−62) (m's leading one at bit 62, bit 0 possibly a sticky bit) to format
    /// <typeparamref name="F"/> in <see cref="FloatEnv.Rounding"/>, reporting OE, UE and PE as x86 does.
    /// </summary>
    /// <remarks>SDM Vol. 1 §4.9.1.4–4.9.1.6 and §11.5.2.4–11.5.2.6; FTZ §10.2.3.3. When an unmasked
    /// underflow or overflow is reported the returned value is irrelevant: the instruction raises #XM
    /// and writes nothing.</remarks>
    public static ulong RoundPack<F>(bool negative, int e, ulong m, ref FloatEnv env) where F : struct, IFloatFormat
    {
        int s = Lead - F.FracBits;
        ulong sign = negative ? F.SignBit : 0;
        int emin = 1 - F.Bias;
        if (e < emin)
        {
            // Tininess after rounding: the result rounded to full precision with an unbounded exponent
            // is below 2^emin. Only a value just below 2^emin can round up to it.
            bool tiny = true;
            if (e == emin - 1)
            {
                ulong unbounded = RoundShift(m, s, negative, env.Rounding, out _);
                tiny = (unbounded >> (F.FracBits + 1)) == 0;
            }
            if (tiny && !env.UnderflowMasked)
            {
                // The trapped response: PE reports whether the full-precision result (the one a
                // handler would see scaled) is inexact, not the denormal one.
                RoundShift(m, s, negative, env.Rounding, out bool fullInexact);
                env.Post |= MxcsrBits.UE | (fullInexact ? MxcsrBits.PE : 0);
                return sign;
            }
            ulong q = RoundShift(ShiftRightJam(m, emin - e), s, negative, env.Rounding, out bool inexact);
            if (tiny)
            {
                if (env.Ftz)
                {
                    env.Post |= MxcsrBits.UE | MxcsrBits.PE;
                    return sign;
                }
                if (inexact)
                {
                    env.Post |= MxcsrBits.UE | MxcsrBits.PE;
                }
            }
            else if (inexact)
            {
                env.Post |= MxcsrBits.PE;
            }
            // q ≤ 2^FracBits: a carry into bit FracBits is exactly the smallest normal's exponent field.
            return sign | q;
        }
        ulong r = RoundShift(m, s, negative, env.Rounding, out bool inexact2);
        if ((r >> (F.FracBits + 1)) != 0)
        {
            r >>= 1;
            e++;
        }
        if (e > F.Bias)
        {
            return Overflow<F>(negative, inexact2, ref env);
        }
        if (inexact2)
        {
            env.Post |= MxcsrBits.PE;
        }
        // r carries the hidden bit at FracBits, which adds one to the biased exponent field.
        return sign | (((ulong)(e + F.Bias - 1) << F.FracBits) + r);
    }

    /// <summary>The masked overflow response (Table 4-10): ∞ or the largest finite value by rounding
    /// direction and sign, with OE and PE. Unmasked: OE, and PE only when the full-precision result
    /// (<paramref name="inexact"/>) is inexact.</summary>
    private static ulong Overflow<F>(bool negative, bool inexact, ref FloatEnv env) where F : struct, IFloatFormat
    {
        ulong sign = negative ? F.SignBit : 0;
        if (!env.OverflowMasked)
        {
            env.Post |= MxcsrBits.OE | (inexact ? MxcsrBits.PE : 0);
            return sign | F.ExpMask;
        }
        env.Post |= MxcsrBits.OE | MxcsrBits.PE;
        bool toInfinity = env.Rounding switch
        {
            RoundingMode.Nearest => true,
            RoundingMode.Down => negative,
            RoundingMode.Up => !negative,
            _ => false,
        };
        return sign | (toInfinity ? F.ExpMask : F.MaxFinite);
    }

    /// <summary>A finite value delivered as a result unchanged in value (a sum with zero, a minimum):
    /// a normal passes through; a denormal is a tiny result and underflows or flushes like any other.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Deliver<F>(ulong x, ref FloatEnv env) where F : struct, IFloatFormat
    {
        if (!IsDenormal<F>(x))
        {
            return x;
        }
        int e = Unpack<F>(x, out ulong m);
        return RoundPack<F>(Sign<F>(x), e, m, ref env);
    }

    /// <summary>The exact zero result of a sum of opposite values: +0, or −0 when rounding down
    /// (IEEE-754 §6.3).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong ExactZeroSum<F>(in FloatEnv env) where F : struct, IFloatFormat =>
        env.Rounding == RoundingMode.Down ? F.SignBit : 0;
}

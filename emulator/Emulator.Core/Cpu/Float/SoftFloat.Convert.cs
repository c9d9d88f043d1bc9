using System.Numerics;

namespace Emulator.Core.Cpu.Float;

internal static partial class SoftFloat
{
    /// <summary>The x86 "integer indefinite" of a 32-bit destination (SDM Vol. 1 §4.8.3.7).</summary>
    public const uint IntegerIndefinite32 = 0x8000_0000;

    /// <summary>The integer indefinite of a 64-bit destination.</summary>
    public const ulong IntegerIndefinite64 = 0x8000_0000_0000_0000;

    /// <summary>Converts between binary formats (CVTSS2SD, CVTSD2SS, CVTPS2PD, CVTPD2PS, VCVTPH2PS,
    /// VCVTPS2PH). A NaN keeps its sign and the top of its payload and is quieted.</summary>
    public static ulong Convert<TFrom, TTo>(ulong x, ref FloatEnv env)
        where TFrom : struct, IFloatFormat where TTo : struct, IFloatFormat
    {
        x = Input<TFrom>(x, env);
        bool negative = Sign<TFrom>(x);
        ulong sign = negative ? TTo.SignBit : 0;
        if (IsSpecial<TFrom>(x))
        {
            if (IsInf<TFrom>(x))
            {
                return sign | TTo.ExpMask;
            }
            x = QuietNaN<TFrom>(x, ref env);
            ulong frac = x & TFrom.FracMask;
            frac = TTo.FracBits >= TFrom.FracBits ? frac << (TTo.FracBits - TFrom.FracBits) : frac >> (TFrom.FracBits - TTo.FracBits);
            return sign | TTo.ExpMask | frac | TTo.QuietBit;
        }
        if (IsZero<TFrom>(x))
        {
            return sign;
        }
        // A binary16 source (VCVTPH2PS) never reports DE: measured on the host, and every binary16
        // denormal is a normal binary32, so nothing about it is special to the instruction.
        if (TFrom.FracBits != Binary16.FracBits)
        {
            NoteDenormal<TFrom>(x, ref env);
        }
        int e = Unpack<TFrom>(x, out ulong m);
        return RoundPack<TTo>(negative, e, m, ref env);
    }

    /// <summary>A signed integer to format <typeparamref name="F"/> (CVTSI2SS/SD, CVTDQ2PS/PD, CVTPI2PS/PD).</summary>
    public static ulong FromInt64<F>(long v, ref FloatEnv env) where F : struct, IFloatFormat
    {
        if (v == 0)
        {
            return 0;
        }
        bool negative = v < 0;
        ulong magnitude = negative ? (ulong)-v : (ulong)v;
        int top = 63 - BitOperations.LeadingZeroCount(magnitude);
        ulong m = top <= Lead ? magnitude << (Lead - top) : (magnitude >> 1) | (magnitude & 1);
        return RoundPack<F>(negative, top, m, ref env);
    }

    /// <summary>
    /// Format <typeparamref name="F"/> to a signed integer of <paramref name="bits"/> (32 or 64) bits,
    /// rounded in <see cref="FloatEnv.Rounding"/> (set it to <see cref="RoundingMode.TowardZero"/> for
    /// the CVTT forms). A NaN or a result out of range reports IE and returns the integer indefinite;
    /// an inexact result reports PE.
    /// </summary>
    public static ulong ToInt<F>(ulong x, int bits, ref FloatEnv env) where F : struct, IFloatFormat
    {
        ulong indefinite = bits == 32 ? IntegerIndefinite32 : IntegerIndefinite64;
        x = Input<F>(x, env);
        if (IsSpecial<F>(x))
        {
            env.Pre |= MxcsrBits.IE;
            return indefinite;
        }
        if (IsZero<F>(x))
        {
            return 0;
        }
        bool negative = Sign<F>(x);
        int e = Unpack<F>(x, out ulong m);
        if (e >= bits)
        {
            env.Pre |= MxcsrBits.IE;
            return indefinite;
        }
        ulong magnitude = RoundToInteger(m, e, negative, env.Rounding, out bool inexact);
        ulong limit = (1UL << (bits - 1)) - (negative ? 0UL : 1UL);
        if (magnitude > limit)
        {
            env.Pre |= MxcsrBits.IE;
            return indefinite;
        }
        if (inexact)
        {
            env.Post |= MxcsrBits.PE;
        }
        ulong result = negative ? 0 - magnitude : magnitude;
        return bits == 32 ? (uint)result : result;
    }

    /// <summary>The magnitude m × 2^(e−62) rounded to an integer (e &lt; 64).</summary>
    private static ulong RoundToInteger(ulong m, int e, bool negative, RoundingMode rc, out bool inexact)
    {
        if (e >= Lead)
        {
            inexact = false;
            return m << (e - Lead);
        }
        int s = Lead - e;
        if (s < 64)
        {
            return RoundShift(m, s, negative, rc, out inexact);
        }
        // Below one half (m < 2^63 ≤ 2^(s−1)): zero, or one when rounding away from zero.
        inexact = true;
        return rc switch
        {
            RoundingMode.Down => negative ? 1UL : 0,
            RoundingMode.Up => negative ? 0UL : 1,
            _ => 0,
        };
    }

    /// <summary>
    /// Rounds to an integral value in format <typeparamref name="F"/> (ROUNDSS/SD/PS/PD lanes):
    /// PE when inexact unless <paramref name="suppressInexact"/> (imm8 bit 3). A signalling NaN reports
    /// IE and is quieted; no DE is reported for a denormal source (SDM Vol. 2B ROUNDPS, checked on
    /// the host).
    /// </summary>
    public static ulong RoundToIntegral<F>(ulong x, bool suppressInexact, ref FloatEnv env) where F : struct, IFloatFormat
    {
        x = Input<F>(x, env);
        if (IsNaN<F>(x))
        {
            return QuietNaN<F>(x, ref env);
        }
        if (IsSpecial<F>(x) || IsZero<F>(x))
        {
            return x;
        }
        int e = Unpack<F>(x, out ulong m);
        if (e >= F.FracBits)
        {
            return x;
        }
        bool negative = Sign<F>(x);
        ulong magnitude = RoundToInteger(m, e, negative, env.Rounding, out bool inexact);
        if (inexact && !suppressInexact)
        {
            env.Post |= MxcsrBits.PE;
        }
        ulong sign = negative ? F.SignBit : 0;
        if (magnitude == 0)
        {
            return sign;
        }
        // An integer below 2^(FracBits+1) is exact in the format.
        int top = 63 - BitOperations.LeadingZeroCount(magnitude);
        ulong frac = (magnitude << (F.FracBits - top)) & F.FracMask;
        return sign | ((ulong)(top + F.Bias) << F.FracBits) | frac;
    }
}

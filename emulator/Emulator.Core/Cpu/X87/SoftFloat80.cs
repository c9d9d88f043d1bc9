using System.Numerics;
using System.Runtime.CompilerServices;

namespace Emulator.Core.Cpu.X87;

/// <summary>
/// Exact 80-bit extended-precision arithmetic as the x87 performs it: every result is the infinitely
/// precise result rounded once, to the context's precision (24/53/64 significand bits) with the full
/// 15-bit exponent range, by the context's rounding control; flags, C1 and default results as the
/// SDM specifies and this host's processor (AMD Zen) produces them.
/// </summary>
/// <remarks>
/// <para>Rounding (SDM Vol. 1 §4.8.4, §8.1.5.2): the rounding point is a fixed bit of the 64-bit
/// significand field (bit 40 for 24-bit, bit 11 for 53-bit precision), also for denormal results,
/// which are denormalised first and then rounded at that bit.</para>
/// <para>Underflow (§8.5.5, §4.9.1.5): tininess is detected after rounding (the result rounded to the
/// precision with an unbounded exponent is below 2^-16382). Masked, UE is raised only for a tiny and
/// inexact result; unmasked, the result is delivered rounded with its exponent + 24576 and UE raised.
/// Overflow (§8.5.4): masked, the result is ∞ or the largest finite value of the precision by the
/// rounding control (OE and PE); unmasked, the exponent is wrapped by −24576.</para>
/// <para>NaNs (§4.8.3.5 Table 4-7, checked on the host): an SNaN operand raises IE and is made quiet;
/// between two NaNs a QNaN beats an SNaN, otherwise the larger significand wins and, for equal
/// significands, the positive one.</para>
/// </remarks>
public static partial class SoftFloat80
{
    /// <summary>Exponent wrap of an unmasked overflow or underflow (SDM Vol. 1 §8.5.4).</summary>
    internal const int WrapBias = 24576;

    /// <summary>The normalised significand (J = bit 63) and biased exponent of a finite nonzero
    /// supported value; a denormal gets an exponent below 1, a pseudo-denormal exponent 1.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static int Normalize(Ext80 v, out ulong sig)
    {
        int e = v.Exponent;
        sig = v.Significand;
        if (e == 0)
        {
            if ((sig & Ext80.IntegerBit) != 0)
            {
                return 1;
            }
            int s = BitOperations.LeadingZeroCount(sig);
            sig <<= s;
            return 1 - s;
        }
        return e;
    }

    /// <summary>Shifts right by <paramref name="n"/>, ORing every bit shifted out into bit 0.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static UInt128 ShiftRightJam(UInt128 x, int n)
    {
        if (n <= 0)
        {
            return x;
        }
        if (n >= 128)
        {
            return x != UInt128.Zero ? UInt128.One : UInt128.Zero;
        }
        return (x >> n) | ((x << (128 - n)) != UInt128.Zero ? UInt128.One : UInt128.Zero);
    }

    /// <summary>
    /// Rounds <paramref name="sig"/>:<paramref name="extra"/> (a 128-bit significand) at bit
    /// <paramref name="drop"/> of <paramref name="sig"/> (0 ≤ drop ≤ 63): the bits below become zero.
    /// </summary>
    /// <param name="sign">The sign (directed rounding depends on it).</param>
    /// <param name="sig">The high 64 bits.</param>
    /// <param name="extra">The low 64 bits; only "nonzero" matters below the top bit when drop &gt; 0.</param>
    /// <param name="drop">Bits of <paramref name="sig"/> below the rounding point.</param>
    /// <param name="rc">The rounding control.</param>
    /// <param name="inexact">Whether any discarded bit was set.</param>
    /// <param name="up">Whether the magnitude was incremented.</param>
    /// <param name="carry">Whether the increment carried out of bit 63 (the result is then 2^63,
    /// standing for 2^64: the caller adds one to the exponent).</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static ulong RoundSig(bool sign, ulong sig, ulong extra, int drop, X87Rounding rc, out bool inexact, out bool up, out bool carry)
    {
        ulong keep, rest;
        if (drop == 0)
        {
            keep = sig;
            rest = extra;
        }
        else
        {
            keep = sig >> drop;
            rest = (sig << (64 - drop)) | (extra != 0 ? 1UL : 0);
        }
        inexact = rest != 0;
        up = rc switch
        {
            X87Rounding.Nearest => rest > 1UL << 63 || (rest == 1UL << 63 && (keep & 1) != 0),
            X87Rounding.Down => inexact && sign,
            X87Rounding.Up => inexact && !sign,
            _ => false,
        };
        carry = false;
        if (up)
        {
            keep++;
            if (drop == 0)
            {
                if (keep == 0)
                {
                    carry = true;
                    return Ext80.IntegerBit;
                }
                return keep;
            }
            if ((keep >> (64 - drop)) != 0)
            {
                carry = true;
                return Ext80.IntegerBit;
            }
        }
        return keep << drop;
    }

    /// <summary>
    /// Rounds and packs sign × (<paramref name="sig"/>:<paramref name="extra"/> / 2^63) ×
    /// 2^(<paramref name="exp"/> − 16383) to <paramref name="precision"/> significand bits with the
    /// context's rounding, handling overflow, underflow and denormal results; raises PE, UE, OE and C1.
    /// </summary>
    /// <param name="sign">The result's sign.</param>
    /// <param name="exp">Biased exponent, any int (≤ 0 or ≥ 0x7FFF out of range).</param>
    /// <param name="sig">Significand with bit 63 set, or 0 together with <paramref name="extra"/> 0 for zero.</param>
    /// <param name="extra">The bits below <paramref name="sig"/>.</param>
    /// <param name="precision">24, 53 or 64.</param>
    /// <param name="c">The context: rounding, masks, flags.</param>
    internal static Ext80 RoundPack(bool sign, int exp, ulong sig, ulong extra, int precision, ref X87Context c)
    {
        if (sig == 0)
        {
            return Ext80.Zero(sign);
        }
        int drop = 64 - precision;
        ulong r = RoundSig(sign, sig, extra, drop, c.Rounding, out bool inexact, out bool up, out bool carry);
        int e = carry ? exp + 1 : exp;
        if (e >= 1 && e < Ext80.MaxExponent)
        {
            return Finish(sign, e, r, inexact, up, ref c);
        }
        if (e >= Ext80.MaxExponent)
        {
            if ((c.Masks & X87Exceptions.Overflow) == 0)
            {
                c.Flags |= X87Exceptions.Overflow;
                if (e - WrapBias >= Ext80.MaxExponent)
                {
                    // Too large even wrapped (only FSCALE gets here): ∞, as the host delivers.
                    c.Flags |= X87Exceptions.Precision | X87Exceptions.RoundedUp;
                    return Ext80.Infinity(sign);
                }
                return Finish(sign, e - WrapBias, r, inexact, up, ref c);
            }
            c.Flags |= X87Exceptions.Overflow | X87Exceptions.Precision;
            return OverflowResult(sign, precision, ref c);
        }
        // Tiny: the result rounded with an unbounded exponent is below 2^-16382.
        if ((c.Masks & X87Exceptions.Underflow) == 0)
        {
            c.Flags |= X87Exceptions.Underflow;
            if (e + WrapBias < 1)
            {
                // Too small even wrapped (only FSCALE gets here): zero, as the host delivers.
                c.Flags |= X87Exceptions.Precision;
                return Ext80.Zero(sign);
            }
            return Finish(sign, e + WrapBias, r, inexact, up, ref c);
        }
        UInt128 wide = ShiftRightJam(((UInt128)sig << 64) | extra, 1 - exp);
        ulong d = RoundSig(sign, (ulong)(wide >> 64), (ulong)wide, drop, c.Rounding, out inexact, out up, out carry);
        if (inexact)
        {
            c.Flags |= X87Exceptions.Underflow;
        }
        return Finish(sign, (d & Ext80.IntegerBit) != 0 ? 1 : 0, d, inexact, up, ref c);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Ext80 Finish(bool sign, int e, ulong sig, bool inexact, bool up, ref X87Context c)
    {
        if (inexact)
        {
            c.Flags |= X87Exceptions.Precision;
            if (up)
            {
                c.Flags |= X87Exceptions.RoundedUp;
            }
        }
        return new Ext80(sig, (ushort)((sign ? 0x8000 : 0) | (e & 0x7FFF)));
    }

    /// <summary>The masked-overflow result: ∞ when the rounding goes away from zero (C1 set), else
    /// the largest finite value of the precision.</summary>
    private static Ext80 OverflowResult(bool sign, int precision, ref X87Context c)
    {
        bool toInfinity = c.Rounding switch
        {
            X87Rounding.Nearest => true,
            X87Rounding.Up => !sign,
            X87Rounding.Down => sign,
            _ => false,
        };
        if (toInfinity)
        {
            c.Flags |= X87Exceptions.RoundedUp;
            return Ext80.Infinity(sign);
        }
        return new Ext80(ulong.MaxValue << (64 - precision), (ushort)((sign ? 0x8000 : 0) | 0x7FFE));
    }

    /// <summary>Packs an exact finite value sign × <paramref name="m"/> × 2^<paramref name="k"/>
    /// (m ≠ 0) whose exponent is in range; the rounding path handles a denormal result exactly.</summary>
    internal static Ext80 FromScaled(bool sign, ulong m, int k, ref X87Context c)
    {
        if (m == 0)
        {
            return Ext80.Zero(sign);
        }
        int lz = BitOperations.LeadingZeroCount(m);
        return RoundPack(sign, k - lz + Ext80.Bias + 63, m << lz, 0, 64, ref c);
    }

    /// <summary>#IA: raises IE and gives the indefinite.</summary>
    internal static Ext80 Invalid(ref X87Context c)
    {
        c.Flags |= X87Exceptions.Invalid;
        return Ext80.Indefinite;
    }

    /// <summary>The NaN result of an operation with at least one NaN operand (SDM Vol. 1 Table 4-7).</summary>
    internal static Ext80 PropagateNaN(Ext80 a, Ext80 b, ref X87Context c)
    {
        bool sa = a.IsSignalingNaN, sb = b.IsSignalingNaN;
        if (sa || sb)
        {
            c.Flags |= X87Exceptions.Invalid;
        }
        if (!a.IsNaN)
        {
            return b.Quieted();
        }
        if (!b.IsNaN)
        {
            return a.Quieted();
        }
        if (sa != sb)
        {
            return sa ? b : a;
        }
        ulong ma = a.Significand | Ext80.QuietBit, mb = b.Significand | Ext80.QuietBit;
        if (ma != mb)
        {
            return (ma > mb ? a : b).Quieted();
        }
        return (a.Sign ? b : a).Quieted();
    }

    /// <summary>The NaN result of a one-operand operation: the operand made quiet; IE for an SNaN.</summary>
    internal static Ext80 PropagateNaN(Ext80 a, ref X87Context c)
    {
        if (a.IsSignalingNaN)
        {
            c.Flags |= X87Exceptions.Invalid;
        }
        return a.Quieted();
    }

    /// <summary>Raises DE when an operand is denormal (or was, before widening: <see cref="X87Context.DenormalSource"/>).</summary>
    /// <returns>false when DE is unmasked: the operation must not deliver a result.</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static bool DenormalCheck(Ext80 a, Ext80 b, ref X87Context c)
    {
        if (!a.IsDenormalOperand && !b.IsDenormalOperand && !c.DenormalSource)
        {
            return true;
        }
        c.Flags |= X87Exceptions.Denormal;
        return (c.Masks & X87Exceptions.Denormal) != 0;
    }

    /// <inheritdoc cref="DenormalCheck(Ext80, Ext80, ref X87Context)"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static bool DenormalCheck(Ext80 a, ref X87Context c) => DenormalCheck(a, Ext80.PositiveZero, ref c);
}

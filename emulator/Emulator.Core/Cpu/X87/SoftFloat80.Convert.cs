using System.Numerics;

namespace Emulator.Core.Cpu.X87;

public static partial class SoftFloat80
{
    /// <summary>Binary32 QNaN indefinite.</summary>
    public const uint SingleIndefinite = 0xFFC0_0000;

    /// <summary>Binary64 QNaN indefinite.</summary>
    public const ulong DoubleIndefinite = 0xFFF8_0000_0000_0000;

    /// <summary>FLD m32: exact. An SNaN raises IE and loads quiet; a denormal raises DE and loads normalised.</summary>
    public static Ext80 FromSingle(uint bits, ref X87Context c) => QuietLoaded(WidenSingle(bits, ref c), ref c);

    /// <summary>FLD m64: exact, as <see cref="FromSingle"/>.</summary>
    public static Ext80 FromDouble(ulong bits, ref X87Context c) => QuietLoaded(WidenDouble(bits, ref c), ref c);

    /// <summary>A binary32 memory operand of an arithmetic or compare instruction: exact; a denormal is
    /// normalised and noted in <see cref="X87Context.DenormalSource"/> (the operation raises DE); an SNaN
    /// stays signalling (the operation raises IE and picks the NaN).</summary>
    public static Ext80 WidenSingle(uint bits, ref X87Context c) => Widen(bits, 23, 8, ref c);

    /// <summary>A binary64 memory operand, as <see cref="WidenSingle"/>.</summary>
    public static Ext80 WidenDouble(ulong bits, ref X87Context c) => Widen(bits, 52, 11, ref c);

    private static Ext80 QuietLoaded(Ext80 v, ref X87Context c)
    {
        if (c.DenormalSource)
        {
            c.DenormalSource = false;
            c.Flags |= X87Exceptions.Denormal;
        }
        return v.IsNaN ? PropagateNaN(v, ref c) : v;
    }

    private static Ext80 Widen(ulong bits, int fracBits, int expBits, ref X87Context c)
    {
        bool sign = (bits >> (fracBits + expBits)) != 0;
        int maxE = (1 << expBits) - 1, bias = maxE >> 1;
        int e = (int)(bits >> fracBits) & maxE;
        ulong f = bits & ((1UL << fracBits) - 1);
        int up = 63 - fracBits;
        if (e == maxE)
        {
            if (f == 0)
            {
                return Ext80.Infinity(sign);
            }
            return new Ext80(Ext80.IntegerBit | (f << up), (ushort)((sign ? 0x8000 : 0) | 0x7FFF));
        }
        if (e == 0)
        {
            if (f == 0)
            {
                return Ext80.Zero(sign);
            }
            c.DenormalSource = true;
            return FromScaled(sign, f, 1 - bias - fracBits, ref c);
        }
        return new Ext80(Ext80.IntegerBit | (f << up), (ushort)((sign ? 0x8000 : 0) | (e - bias + Ext80.Bias)));
    }

    /// <summary>FILD: an integer, always exact.</summary>
    public static Ext80 FromInt64(long v)
    {
        if (v == 0)
        {
            return Ext80.PositiveZero;
        }
        bool sign = v < 0;
        ulong m = sign ? (ulong)-v : (ulong)v;
        int lz = BitOperations.LeadingZeroCount(m);
        return new Ext80(m << lz, (ushort)((sign ? 0x8000 : 0) | (Ext80.Bias + 63 - lz)));
    }

    /// <summary>FST m32: rounds to binary32 by RC (PC does not apply). Nothing is to be stored when the
    /// context reports <see cref="X87Context.Suppressed"/> or an unmasked overflow/underflow.</summary>
    public static uint ToSingle(Ext80 v, ref X87Context c) => (uint)ToBinary(v, 23, 8, ref c);

    /// <summary>FST m64: rounds to binary64, as <see cref="ToSingle"/>.</summary>
    public static ulong ToDouble(Ext80 v, ref X87Context c) => ToBinary(v, 52, 11, ref c);

    private static ulong ToBinary(Ext80 v, int fracBits, int expBits, ref X87Context c)
    {
        ulong signBit = v.Sign ? 1UL << (fracBits + expBits) : 0;
        ulong maxE = (1UL << expBits) - 1;
        int bias = (int)(maxE >> 1);
        ulong infinity = signBit | (maxE << fracBits);
        if (v.IsUnsupported)
        {
            c.Flags |= X87Exceptions.Invalid;
            return (maxE << fracBits) | (1UL << (fracBits - 1)) | (1UL << (fracBits + expBits));
        }
        if (v.IsNaN)
        {
            Ext80 q = PropagateNaN(v, ref c);
            return infinity | ((q.Significand << 1) >> (64 - fracBits));
        }
        if (v.IsInfinity)
        {
            return infinity;
        }
        if (v.IsZero)
        {
            return signBit;
        }
        // A store does not raise DE for a denormal source (checked on the host).
        int drop = 63 - fracBits;
        int e = Normalize(v, out ulong m) - Ext80.Bias + bias;
        ulong r = RoundSig(v.Sign, m, 0, drop, c.Rounding, out bool inexact, out bool up, out bool carry);
        int er = carry ? e + 1 : e;
        if (er >= (int)maxE)
        {
            c.Flags |= X87Exceptions.Overflow;
            if ((c.Masks & X87Exceptions.Overflow) == 0)
            {
                return 0;
            }
            c.Flags |= X87Exceptions.Precision;
            Ext80 o = OverflowResult(v.Sign, fracBits + 1, ref c);
            return o.IsInfinity ? infinity : signBit | ((maxE - 1) << fracBits) | ((1UL << fracBits) - 1);
        }
        if (er < 1)
        {
            // Tiny after rounding: denormalise, then round at the same bit.
            if ((c.Masks & X87Exceptions.Underflow) == 0)
            {
                c.Flags |= X87Exceptions.Underflow;
                return 0;
            }
            UInt128 wide = ShiftRightJam((UInt128)m << 64, 1 - e);
            r = RoundSig(v.Sign, (ulong)(wide >> 64), (ulong)wide, drop, c.Rounding, out inexact, out up, out _);
            if (inexact)
            {
                c.Flags |= X87Exceptions.Underflow;
            }
            er = (r & Ext80.IntegerBit) != 0 ? 1 : 0;
        }
        if (inexact)
        {
            c.Flags |= up ? X87Exceptions.Precision | X87Exceptions.RoundedUp : X87Exceptions.Precision;
        }
        return signBit | ((ulong)er << fracBits) | ((r << 1) >> (64 - fracBits));
    }

    /// <summary>FIST/FISTP (<paramref name="truncate"/> false: by RC) and FISTTP (true): the value as a
    /// signed integer of <paramref name="bits"/> (16, 32, 64). A NaN, ∞, unsupported encoding or
    /// out-of-range value raises IE and gives the integer indefinite (the most negative integer).</summary>
    public static long ToInt(Ext80 v, int bits, bool truncate, ref X87Context c)
    {
        long indefinite = long.MinValue >> (64 - bits);
        if (v.IsUnsupported || v.IsNaN || v.IsInfinity)
        {
            c.Flags |= X87Exceptions.Invalid;
            return indefinite;
        }
        if (v.IsZero)
        {
            return 0;
        }
        ulong q = RoundToIntegerMagnitude(v, truncate ? X87Rounding.TowardZero : c.Rounding, out bool inexact, out bool up, out bool huge);
        ulong limit = v.Sign ? 1UL << (bits - 1) : (1UL << (bits - 1)) - 1;
        if (huge || q > limit)
        {
            c.Flags |= X87Exceptions.Invalid;
            return indefinite;
        }
        if (inexact)
        {
            c.Flags |= up ? X87Exceptions.Precision | X87Exceptions.RoundedUp : X87Exceptions.Precision;
        }
        return v.Sign ? -(long)q : (long)q;
    }

    /// <summary>|v| rounded to an integer (v finite, nonzero, supported); <paramref name="huge"/> when it
    /// does not fit 64 bits.</summary>
    private static ulong RoundToIntegerMagnitude(Ext80 v, X87Rounding rc, out bool inexact, out bool up, out bool huge)
    {
        int e = Normalize(v, out ulong m) - Ext80.Bias;
        huge = false;
        if (e >= 63)
        {
            inexact = up = false;
            huge = e > 63;
            return m;
        }
        // m × 2^(e−63): the integer part is m >> (63 − e); the rest is the fraction.
        int shift = 63 - e;
        UInt128 wide = ShiftRightJam((UInt128)m << 64, shift);
        ulong r = RoundSig(v.Sign, (ulong)(wide >> 64), (ulong)wide, 0, rc, out inexact, out up, out bool carry);
        if (carry)
        {
            huge = true;
        }
        return r;
    }

    /// <summary>FBLD: 18 packed BCD digits (byte 0 low nibble least significant) and the sign in bit 7
    /// of byte 9; exact. Nibbles above 9 are weighted as they stand (hardware leaves them undefined).</summary>
    public static Ext80 FromBcd(ReadOnlySpan<byte> bcd)
    {
        ulong v = 0;
        for (int k = 8; k >= 0; k--)
        {
            v = v * 100 + (ulong)(bcd[k] >> 4) * 10 + (ulong)(bcd[k] & 15);
        }
        Ext80 r = FromInt64((long)v);
        return (bcd[9] & 0x80) != 0 ? r.Negate() : r;
    }

    /// <summary>FBSTP: rounds by RC to an integer and writes 10 bytes of packed BCD. NaN, ∞, unsupported
    /// or |result| ≥ 10^18 raise IE and write the BCD indefinite (FFFF C000 0000 0000 0000).</summary>
    public static void ToBcd(Ext80 v, Span<byte> bcd, ref X87Context c)
    {
        bcd[..10].Clear();
        if (v.IsUnsupported || v.IsNaN || v.IsInfinity)
        {
            BcdIndefinite(bcd, ref c);
            return;
        }
        ulong q = 0;
        if (!v.IsZero)
        {
            q = RoundToIntegerMagnitude(v, c.Rounding, out bool inexact, out bool up, out bool huge);
            if (huge || q > 999_999_999_999_999_999UL)
            {
                BcdIndefinite(bcd, ref c);
                return;
            }
            if (inexact)
            {
                c.Flags |= up ? X87Exceptions.Precision | X87Exceptions.RoundedUp : X87Exceptions.Precision;
            }
        }
        for (int k = 0; k < 9; k++)
        {
            bcd[k] = (byte)((q % 10) | ((q / 10 % 10) << 4));
            q /= 100;
        }
        bcd[9] = (byte)(v.Sign ? 0x80 : 0);
    }

    private static void BcdIndefinite(Span<byte> bcd, ref X87Context c)
    {
        c.Flags |= X87Exceptions.Invalid;
        bcd[7] = 0xC0;
        bcd[8] = 0xFF;
        bcd[9] = 0xFF;
    }
}

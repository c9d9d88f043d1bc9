using Emulator.Core.Cpu.X87;

namespace Emulator.Tests.Cpu.X87;

/// <summary>The soft-float on hand-computed cases: each assertion states a fact of IEEE 754 / the SDM
/// that the value or flag shows. (The instruction tables and the random differential test check the
/// same code against the host processor.)</summary>
public sealed class SoftFloat80Tests
{
    private static readonly Ext80 One = Ext80.One, Three = new(0xC000_0000_0000_0000, 0x4000), Two = new(0x8000_0000_0000_0000, 0x4000);
    private static readonly Ext80 MinNormal = new(0x8000_0000_0000_0000, 1), Max = new(ulong.MaxValue, 0x7FFE);

    [Theory]
    [InlineData(64, X87Rounding.Nearest, "3ffd:aaaaaaaaaaaaaaab", true)]   // ...1010|1010.. rounds up to ...ab
    [InlineData(64, X87Rounding.TowardZero, "3ffd:aaaaaaaaaaaaaaaa", false)]
    [InlineData(53, X87Rounding.Nearest, "3ffd:aaaaaaaaaaaaa800", false)]  // 53 bits: the dropped bits 0x2aa < half
    [InlineData(53, X87Rounding.Up, "3ffd:aaaaaaaaaaaab000", true)]
    [InlineData(24, X87Rounding.Nearest, "3ffd:aaaaab0000000000", true)]   // 24 bits: 0xaaaaaa|aa.. rounds up
    [InlineData(24, X87Rounding.Down, "3ffd:aaaaaa0000000000", false)]
    public void One_third_is_rounded_at_the_precision_bit_by_the_rounding_control(int precision, X87Rounding rc, string expected, bool roundedUp)
    {
        var c = X87Context.Masked(rc, precision);
        Ext80 r = SoftFloat80.Div(One, Three, ref c);
        Assert.Equal(expected, r.ToString());
        Assert.True((c.Flags & X87Exceptions.Precision) != 0);                  // 1/3 is inexact in any precision
        Assert.Equal(roundedUp, (c.Flags & X87Exceptions.RoundedUp) != 0);      // C1 says whether the magnitude grew
    }

    [Fact]
    public void Exact_results_raise_no_flag()
    {
        var c = X87Context.Masked();
        Assert.Equal(new Ext80(0xC000_0000_0000_0000, 0x4001).ToString(), SoftFloat80.Mul(Two, Three, ref c).ToString()); // 6
        Assert.Equal(Two, SoftFloat80.Sqrt(new Ext80(0x8000_0000_0000_0000, 0x4001), ref c));                              // √4 = 2
        Assert.Equal(X87Exceptions.None, c.Flags);
    }

    [Fact]
    public void Tininess_is_detected_after_rounding()
    {
        // (1 − 2^-63) × 2^-16382 (1 + 2^-63) = 2^-16382 (1 − 2^-126): tiny before rounding, but it rounds
        // to the smallest normal with an unbounded exponent, so it is not tiny: PE without UE.
        var c = X87Context.Masked();
        Ext80 r = SoftFloat80.Mul(new Ext80(0xFFFF_FFFF_FFFF_FFFE, 0x3FFE), new Ext80(0x8000_0000_0000_0001, 1), ref c);
        Assert.Equal(MinNormal, r);
        Assert.Equal(X87Exceptions.Precision | X87Exceptions.RoundedUp, c.Flags);
    }

    [Fact]
    public void A_tiny_inexact_result_is_denormalised_and_raises_underflow()
    {
        // 2^-16382 × (0.75 + 2^-64): a denormal's last bit is 2^-16445, so the 2^-16446 tail is an exact tie.
        var c = X87Context.Masked();
        Ext80 r = SoftFloat80.Mul(MinNormal, new Ext80(0xC000_0000_0000_0001, 0x3FFE), ref c);
        Assert.Equal(0, r.Exponent);                                            // a denormal result
        Assert.Equal(0x6000_0000_0000_0000UL, r.Significand);                   // 0.75 × 2^-16382: the tie goes to even
        Assert.Equal(X87Exceptions.Underflow | X87Exceptions.Precision, c.Flags);
    }

    [Theory]
    [InlineData(X87Rounding.Nearest, "7fff:8000000000000000", true)]          // ∞, rounded up
    [InlineData(X87Rounding.TowardZero, "7ffe:ffffffffffffffff", false)]      // the largest finite value
    [InlineData(X87Rounding.Down, "7ffe:ffffffffffffffff", false)]
    [InlineData(X87Rounding.Up, "7fff:8000000000000000", true)]
    public void Masked_overflow_gives_infinity_or_the_largest_value_by_rounding(X87Rounding rc, string expected, bool c1)
    {
        var c = X87Context.Masked(rc);
        Ext80 r = SoftFloat80.Mul(Max, Two, ref c);
        Assert.Equal(expected, r.ToString());
        Assert.True((c.Flags & (X87Exceptions.Overflow | X87Exceptions.Precision)) == (X87Exceptions.Overflow | X87Exceptions.Precision));
        Assert.Equal(c1, (c.Flags & X87Exceptions.RoundedUp) != 0);
    }

    [Fact]
    public void Unmasked_overflow_delivers_the_result_with_the_exponent_wrapped()
    {
        var c = X87Context.Masked();
        c.Masks &= ~X87Exceptions.Overflow;
        Ext80 r = SoftFloat80.Mul(Max, Two, ref c);
        Assert.Equal(0x7FFF - 24576, r.Exponent);                               // 2^16384 × (2 − 2^-63) scaled by 2^-24576
        Assert.Equal(ulong.MaxValue, r.Significand);
        Assert.Equal(X87Exceptions.Overflow, c.Flags);                          // exact apart from the range: no PE
    }

    [Fact]
    public void Invalid_operations_give_the_indefinite()
    {
        var c = X87Context.Masked();
        Assert.Equal(Ext80.Indefinite, SoftFloat80.Sub(Ext80.PositiveInfinity, Ext80.PositiveInfinity, ref c)); // ∞ − ∞
        Assert.Equal(Ext80.Indefinite, SoftFloat80.Mul(Ext80.PositiveZero, Ext80.NegativeInfinity, ref c));      // 0 × ∞
        Assert.Equal(Ext80.Indefinite, SoftFloat80.Sqrt(One.Negate(), ref c));                                    // √−1
        Assert.Equal(Ext80.Indefinite, SoftFloat80.Add(new Ext80(0x4000_0000_0000_0000, 0x3FFF), One, ref c));    // an unnormal operand
        Assert.Equal(X87Exceptions.Invalid, c.Flags);
    }

    [Fact]
    public void Nan_operands_follow_the_x87_selection_rules()
    {
        var c = X87Context.Masked();
        var qSmall = new Ext80(0xC000_0000_0000_0001, 0xFFFF);
        var qBig = new Ext80(0xC000_0000_0000_0005, 0x7FFF);
        var sBig = new Ext80(0x8000_0000_0000_0009, 0x7FFF);
        Assert.Equal(qBig, SoftFloat80.Add(qSmall, qBig, ref c));               // two QNaNs: the larger significand
        Assert.Equal(X87Exceptions.None, c.Flags);                              // QNaNs raise nothing
        Assert.Equal(qSmall, SoftFloat80.Add(sBig, qSmall, ref c));             // a QNaN beats an SNaN
        Assert.Equal(sBig.Quieted(), SoftFloat80.Mul(One, sBig, ref c));        // an SNaN is made quiet
        Assert.Equal(X87Exceptions.Invalid, c.Flags);                           // and raises IE
        var neg = new Ext80(0xC000_0000_0000_0005, 0xFFFF);
        Assert.Equal(qBig, SoftFloat80.Add(neg, qBig, ref c));                  // equal significands: the positive one
    }

    [Fact]
    public void Exact_cancellation_gives_plus_zero_except_when_rounding_down()
    {
        var c = X87Context.Masked();
        Assert.Equal(Ext80.PositiveZero, SoftFloat80.Sub(Three, Three, ref c));
        c = X87Context.Masked(X87Rounding.Down);
        Assert.Equal(Ext80.NegativeZero, SoftFloat80.Sub(Three, Three, ref c));
    }

    [Fact]
    public void Square_root_of_two_is_correctly_rounded()
    {
        var c = X87Context.Masked();
        // √2 = 1.0110101000001001111001100110011111110011101111001100100100001000101100101111101100010011...
        Assert.Equal("3fff:b504f333f9de6484", SoftFloat80.Sqrt(Two, ref c).ToString());
    }

    [Theory]
    [InlineData("3fff:c000000000000000", X87Rounding.Nearest, 2)]   // 1.5 → 2 (tie to even)
    [InlineData("4000:a000000000000000", X87Rounding.Nearest, 2)]   // 2.5 → 2 (tie to even)
    [InlineData("c000:a000000000000000", X87Rounding.Down, -3)]     // −2.5 → −3
    [InlineData("c000:a000000000000000", X87Rounding.TowardZero, -2)]
    [InlineData("c000:a000000000000000", X87Rounding.Up, -2)]
    public void Integer_conversion_rounds_by_the_rounding_control(string value, X87Rounding rc, long expected)
    {
        var c = X87Context.Masked(rc);
        Assert.Equal(expected, SoftFloat80.ToInt(Ext80.Parse(value), 32, truncate: false, ref c));
        Assert.Equal(X87Exceptions.Precision, c.Flags & X87Exceptions.Precision);
    }

    [Fact]
    public void Out_of_range_integers_store_the_integer_indefinite()
    {
        var c = X87Context.Masked();
        Assert.Equal(short.MinValue, SoftFloat80.ToInt(SoftFloat80.FromInt64(32768), 16, false, ref c));     // 0x8000
        Assert.Equal(X87Exceptions.Invalid, c.Flags);
        c = X87Context.Masked();
        Assert.Equal(short.MinValue, SoftFloat80.ToInt(SoftFloat80.FromInt64(-32768), 16, false, ref c));    // in range
        Assert.Equal(X87Exceptions.None, c.Flags);
    }

    [Fact]
    public void Binary32_round_trips_and_rounds_by_the_rounding_control()
    {
        var c = X87Context.Masked();
        Ext80 oneAndAHalf = SoftFloat80.FromSingle(0x3FC0_0000, ref c);
        Assert.Equal("3fff:c000000000000000", oneAndAHalf.ToString());
        Assert.Equal(0x3FC0_0000u, SoftFloat80.ToSingle(oneAndAHalf, ref c));
        Ext80 third = SoftFloat80.Div(One, Three, ref c);
        c = X87Context.Masked();
        Assert.Equal(0x3EAA_AAABu, SoftFloat80.ToSingle(third, ref c));       // nearest: up
        c = X87Context.Masked(X87Rounding.TowardZero);
        Assert.Equal(0x3EAA_AAAAu, SoftFloat80.ToSingle(third, ref c));
        c = X87Context.Masked();
        Assert.Equal(0x0000_0001u, SoftFloat80.ToSingle(SoftFloat80.FromSingle(0x0000_0001, ref c), ref c)); // the smallest denormal survives
        Assert.Equal(X87Exceptions.Denormal, c.Flags);                        // loading it raised DE, storing it nothing
    }

    [Fact]
    public void Packed_bcd_round_trips()
    {
        byte[] bcd = [0x89, 0x67, 0x45, 0x23, 0x01, 0, 0, 0, 0, 0x80];       // −123456789
        Ext80 v = SoftFloat80.FromBcd(bcd);
        Assert.Equal(SoftFloat80.FromInt64(-123456789), v);
        var back = new byte[10];
        var c = X87Context.Masked();
        SoftFloat80.ToBcd(v, back, ref c);
        Assert.Equal(bcd, back);
    }

    [Fact]
    public void Fprem_reduces_exactly_and_reports_the_quotient_bits()
    {
        var c = X87Context.Masked();
        // 7 rem 2: q = 3, r = 1; FPREM1: q = 4 (3.5 to even), r = −1.
        Ext80 seven = SoftFloat80.FromInt64(7);
        Assert.Equal(One, SoftFloat80.Remainder(seven, Two, false, out int q, out bool incomplete, ref c));
        Assert.Equal(3, q);
        Assert.False(incomplete);
        Assert.Equal(One.Negate(), SoftFloat80.Remainder(seven, Two, true, out q, out _, ref c));
        Assert.Equal(4, q);
        Assert.Equal(X87Exceptions.None, c.Flags);                            // remainders are exact
    }

    [Theory]
    [InlineData(X87Constant.Pi, X87Rounding.Nearest, "4000:c90fdaa22168c235")] // next bits c4c6.. > half: up
    [InlineData(X87Constant.Pi, X87Rounding.TowardZero, "4000:c90fdaa22168c234")]
    [InlineData(X87Constant.LnTwo, X87Rounding.Nearest, "3ffe:b17217f7d1cf79ac")]
    [InlineData(X87Constant.LnTwo, X87Rounding.Down, "3ffe:b17217f7d1cf79ab")]
    public void Constants_are_rounded_by_the_rounding_control(X87Constant k, X87Rounding rc, string expected) =>
        Assert.Equal(expected, SoftFloat80.Constant(k, rc).ToString());
}

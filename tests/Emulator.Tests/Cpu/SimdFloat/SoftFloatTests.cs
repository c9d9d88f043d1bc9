using Emulator.Core.Cpu.Float;
using Xunit.Abstractions;

namespace Emulator.Tests.Cpu.SimdFloat;

/// <summary>
/// The software floating-point core on its own, without a host processor: round-to-nearest results
/// against the .NET runtime's IEEE arithmetic, directed rounding against its defining inequalities,
/// and the x86-specific rules (tininess after rounding, FTZ, DAZ, NaN propagation, masked and
/// unmasked responses) on hand-computed cases. The host cross-checks (<see cref="SimdFloatHostDifferentialTests"/>)
/// then compare whole instructions with silicon.
/// </summary>
public sealed class SoftFloatTests(ITestOutputHelper output)
{
    private const int Seed = 0x5F10A7;
    private const uint Default = 0x1F80;

    private delegate ulong Binary(ulong a, ulong b, ref FloatEnv env);

    [Fact]
    public void Nearest_results_match_the_runtime_for_binary64()
    {
        var r = new Random(Seed);
        for (int n = 0; n < 200_000; n++)
        {
            ulong a = FloatPatterns.Double(r), b = FloatPatterns.Double(r), c = FloatPatterns.Double(r);
            double x = BitConverter.UInt64BitsToDouble(a), y = BitConverter.UInt64BitsToDouble(b), z = BitConverter.UInt64BitsToDouble(c);
            var env = new FloatEnv(Default);
            // Each pair proves the soft result is the correctly rounded IEEE result (NaNs: only NaN-ness,
            // the runtime may commute operands).
            Same64(x + y, SoftFloat.Add<Binary64>(a, b, ref env), "add", a, b);
            Same64(x - y, SoftFloat.Sub<Binary64>(a, b, ref env), "sub", a, b);
            Same64(x * y, SoftFloat.Mul<Binary64>(a, b, ref env), "mul", a, b);
            Same64(x / y, SoftFloat.Div<Binary64>(a, b, ref env), "div", a, b);
            Same64(Math.Sqrt(x), SoftFloat.Sqrt<Binary64>(a, ref env), "sqrt", a, 0);
            Same64(Math.FusedMultiplyAdd(x, y, z), SoftFloat.Fma<Binary64>(a, b, c, false, false, ref env), "fma", a, b);
        }
    }

    [Fact]
    public void Nearest_results_match_the_runtime_for_binary32()
    {
        var r = new Random(Seed + 1);
        for (int n = 0; n < 200_000; n++)
        {
            uint a = FloatPatterns.Single(r), b = FloatPatterns.Single(r), c = FloatPatterns.Single(r);
            float x = BitConverter.UInt32BitsToSingle(a), y = BitConverter.UInt32BitsToSingle(b), z = BitConverter.UInt32BitsToSingle(c);
            var env = new FloatEnv(Default);
            Same32(x + y, SoftFloat.Add<Binary32>(a, b, ref env), "add", a, b);
            Same32(x - y, SoftFloat.Sub<Binary32>(a, b, ref env), "sub", a, b);
            Same32(x * y, SoftFloat.Mul<Binary32>(a, b, ref env), "mul", a, b);
            Same32(x / y, SoftFloat.Div<Binary32>(a, b, ref env), "div", a, b);
            Same32(MathF.Sqrt(x), SoftFloat.Sqrt<Binary32>(a, ref env), "sqrt", a, 0);
            Same32(MathF.FusedMultiplyAdd(x, y, z), SoftFloat.Fma<Binary32>(a, b, c, false, false, ref env), "fma", a, b);
            ulong d = FloatPatterns.Double(r);
            Same32((float)BitConverter.UInt64BitsToDouble(d), SoftFloat.Convert<Binary64, Binary32>(d, ref env), "cvtsd2ss", d, 0);
        }
    }

    [Fact]
    public void Directed_rounding_brackets_the_exact_result()
    {
        var r = new Random(Seed + 2);
        Binary[] ops = [SoftFloat.Add<Binary64>, SoftFloat.Mul<Binary64>, SoftFloat.Div<Binary64>, SoftFloat.Sub<Binary64>];
        for (int n = 0; n < 100_000; n++)
        {
            ulong a = FloatPatterns.Double(r), b = FloatPatterns.Double(r);
            Binary op = ops[n % ops.Length];
            var near = new FloatEnv(Default);
            var down = new FloatEnv(Default | (1 << 13));
            var up = new FloatEnv(Default | (2 << 13));
            var zero = new FloatEnv(Default | (3 << 13));
            ulong rn = op(a, b, ref near), rd = op(a, b, ref down), ru = op(a, b, ref up), rz = op(a, b, ref zero);
            if (double.IsNaN(D(rn)) || double.IsInfinity(D(rd)) || double.IsInfinity(D(ru)))
            {
                continue;
            }
            string what = $"op {n % ops.Length} a={a:x16} b={b:x16}";
            bool exact = (near.Flags & MxcsrBits.PE) == 0;
            // Down ≤ nearest ≤ up, equal exactly when the result is exact, otherwise one ulp apart.
            Assert.True(D(rd) <= D(rn) && D(rn) <= D(ru), what);
            Assert.True(exact == (rd == ru) || (D(rd) == 0 && D(ru) == 0), what);
            Assert.True(exact || Math.BitIncrement(D(rd)) == D(ru), what);
            Assert.True(rn == rd || rn == ru || (D(rn) == 0 && D(rd) == 0), what);
            // Toward zero is the bracket end of smaller magnitude.
            Assert.True(D(rz) == (D(rd) >= 0 ? D(rd) : D(ru)), what);
        }
    }

    [Theory]
    // op, mxcsr, a, b => result, flags (IE 1, DE 2, ZE 4, OE 8, UE 10, PE 20). Measured on the host.
    [InlineData("add", 0x1F80u, 0x7F800001u, 0x00000001u, 0x7FC00001u, 0x01u)]   // SNaN wins over DE: IE only
    [InlineData("add", 0x1F80u, 0x00000001u, 0x7FC00001u, 0x7FC00001u, 0x00u)]   // a QNaN suppresses DE
    [InlineData("add", 0x1F80u, 0x7FC00001u, 0xFFC00002u, 0x7FC00001u, 0x00u)]   // two NaNs: the first
    [InlineData("add", 0x1F80u, 0x7F800000u, 0x00000001u, 0x7F800000u, 0x02u)]   // ∞ + denormal reports DE
    [InlineData("sub", 0x1F80u, 0x7F800000u, 0x7F800000u, 0xFFC00000u, 0x01u)]   // ∞ − ∞: real indefinite
    [InlineData("sub", 0x3F80u, 0x3F800000u, 0x3F800000u, 0x80000000u, 0x00u)]   // x − x = −0 rounding down
    [InlineData("div", 0x1F80u, 0x00000001u, 0x00000000u, 0x7F800000u, 0x04u)]   // denormal ÷ 0: ZE, no DE
    [InlineData("mul", 0x1F80u, 0x00800000u, 0x3F7FFFFFu, 0x00800000u, 0x30u)]   // rounds to 2^-126 but tiny after rounding
    [InlineData("mul", 0x1F80u, 0x00800001u, 0x3F7FFFFFu, 0x00800000u, 0x20u)]   // not tiny after rounding: PE only
    [InlineData("mul", 0x1F80u, 0x00800000u, 0x3F000000u, 0x00400000u, 0x00u)]   // exact tiny: no UE when masked
    [InlineData("mul", 0x9F80u, 0x00800000u, 0x3F000000u, 0x00000000u, 0x30u)]   // FTZ flushes even an exact tiny result
    [InlineData("mul", 0x1780u, 0x00800000u, 0x3F000000u, 0x00000000u, 0x10u)]   // unmasked UE: UE even when exact
    [InlineData("mul", 0x1780u, 0x00800001u, 0x3F000000u, 0x00000000u, 0x10u)]   // unmasked UE: PE only if the full-precision result is inexact
    [InlineData("div", 0x1780u, 0x00800000u, 0x40400000u, 0x00000000u, 0x30u)]   // unmasked UE, inexact quotient: UE, PE
    [InlineData("mul", 0x1B80u, 0x7F000000u, 0x7F000000u, 0x7F800000u, 0x08u)]   // unmasked OE, exact: OE alone
    [InlineData("mul", 0x1B80u, 0x7F000001u, 0x7F000000u, 0x7F800000u, 0x08u)]   // unmasked OE, 2^254·(1+2^-23) exact too
    [InlineData("div", 0x1B80u, 0x7F000000u, 0x00AAAAABu, 0x7F800000u, 0x28u)]   // unmasked OE, inexact: OE, PE
    [InlineData("mul", 0x1F80u, 0x7F000000u, 0x7F000000u, 0x7F800000u, 0x28u)]   // masked OE: ∞ with OE, PE
    [InlineData("mul", 0x7F80u, 0x7F000000u, 0x7F000000u, 0x7F7FFFFFu, 0x28u)]   // toward zero: largest finite
    [InlineData("add", 0x1FC0u, 0x00000001u, 0x00000001u, 0x00000000u, 0x00u)]   // DAZ: zeros, no DE
    [InlineData("add", 0x9F80u, 0x00000001u, 0x00000001u, 0x00000000u, 0x32u)]   // FTZ without DAZ: DE, UE, PE
    [InlineData("min", 0x1FC0u, 0x80000000u, 0x00000001u, 0x00000000u, 0x00u)]   // DAZ: min returns b as read
    [InlineData("max", 0x1F80u, 0x3F800000u, 0x7F800001u, 0x7F800001u, 0x01u)]   // NaN: b, not quieted
    [InlineData("max", 0x1F80u, 0x7FC00000u, 0x00000001u, 0x00000001u, 0x01u)]   // QNaN: IE, no DE
    [InlineData("min", 0x1F80u, 0x00000000u, 0x80000000u, 0x80000000u, 0x00u)]   // two zeros: b
    public void X86_rules_hold_for_binary32(string op, uint mxcsr, uint a, uint b, uint expected, uint flags)
    {
        var env = new FloatEnv(mxcsr);
        ulong got = op switch
        {
            "add" => SoftFloat.Add<Binary32>(a, b, ref env),
            "sub" => SoftFloat.Sub<Binary32>(a, b, ref env),
            "mul" => SoftFloat.Mul<Binary32>(a, b, ref env),
            "div" => SoftFloat.Div<Binary32>(a, b, ref env),
            "min" => SoftFloat.Min<Binary32>(a, b, ref env),
            _ => SoftFloat.Max<Binary32>(a, b, ref env),
        };
        Assert.Equal(flags, env.Flags);
        if ((MxcsrBits.Unmasked(mxcsr, env.Flags)) == 0)
        {
            // The masked response is the result; with an unmasked condition nothing is written.
            Assert.Equal(expected, (uint)got);
        }
    }

    [Theory]
    // value, bits, mxcsr, truncate => result, flags
    [InlineData(0x4F000000u, 32, 0x1F80u, false, 0x80000000ul, 0x01u)]  // 2^31: out of range, integer indefinite
    [InlineData(0xCF000000u, 32, 0x1F80u, false, 0x80000000ul, 0x00u)]  // −2^31 fits exactly
    [InlineData(0x3FC00000u, 32, 0x1F80u, false, 2ul, 0x20u)]           // 1.5 → 2 (ties to even), inexact
    [InlineData(0x40200000u, 32, 0x1F80u, false, 2ul, 0x20u)]           // 2.5 → 2
    [InlineData(0xBFC00000u, 32, 0x1F80u, true, 0xFFFFFFFFul, 0x20u)]   // −1.5 truncates to −1
    [InlineData(0x7FC00000u, 64, 0x1F80u, false, 0x8000000000000000ul, 0x01u)] // NaN: IE, indefinite
    [InlineData(0x00000001u, 32, 0x1F80u, false, 0ul, 0x20u)]           // denormal → 0, inexact, no DE
    [InlineData(0x3F000000u, 32, 0x5F80u, false, 1ul, 0x20u)]           // 0.5 rounding up → 1
    public void Conversion_to_integer_follows_the_indefinite_rules(uint value, int bits, uint mxcsr, bool truncate, ulong expected, uint flags)
    {
        var env = new FloatEnv(mxcsr);
        if (truncate)
        {
            env.Rounding = RoundingMode.TowardZero;
        }
        Assert.Equal(expected, SoftFloat.ToInt<Binary32>(value, bits, ref env));
        Assert.Equal(flags, env.Flags);
    }

    [Fact]
    public void Approximations_match_measured_anchors()
    {
        // Read on the host (AMD Zen 4): these fix the table's orientation and exponent handling.
        Assert.Equal(0x3F7FF000u, ApproxReciprocal.Reciprocal(0x3F800000));       // rcp(1)
        Assert.Equal(0x3EAAA800u, ApproxReciprocal.Reciprocal(0x40400000));       // rcp(3)
        Assert.Equal(0x7F800000u, ApproxReciprocal.Reciprocal(0x00000001));       // denormal → ∞
        Assert.Equal(0u, ApproxReciprocal.Reciprocal(0x7E800000));                // 2^126 → flushed
        Assert.Equal(0xFF800000u, ApproxReciprocal.Reciprocal(0x80000000));       // −0 → −∞
        Assert.Equal(0x7FC00001u, ApproxReciprocal.Reciprocal(0x7F800001));       // SNaN quieted, no flag
        Assert.Equal(0x3F7FF800u, ApproxReciprocal.ReciprocalSqrt(0x3F800000));   // rsqrt(1)
        Assert.Equal(0xFFC00000u, ApproxReciprocal.ReciprocalSqrt(0xBF800000));   // rsqrt(−1): indefinite
    }

    private static double D(ulong bits) => BitConverter.UInt64BitsToDouble(bits);

    private void Same64(double expected, ulong got, string op, ulong a, ulong b)
    {
        ulong want = BitConverter.DoubleToUInt64Bits(expected);
        if (double.IsNaN(expected) ? double.IsNaN(D(got)) : want == got)
        {
            return;
        }
        output.WriteLine($"seed {Seed}");
        Assert.Fail($"{op} {a:x16} {b:x16}: runtime {want:x16}, soft {got:x16}");
    }

    private void Same32(float expected, ulong got, string op, ulong a, ulong b)
    {
        uint want = BitConverter.SingleToUInt32Bits(expected);
        if (float.IsNaN(expected) ? float.IsNaN(BitConverter.UInt32BitsToSingle((uint)got)) : want == (uint)got)
        {
            return;
        }
        output.WriteLine($"seed {Seed}");
        Assert.Fail($"{op} {a:x} {b:x}: runtime {want:x8}, soft {got:x8}");
    }
}

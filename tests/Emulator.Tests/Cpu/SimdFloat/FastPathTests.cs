using System.Runtime.Intrinsics;
using Emulator.Core.Cpu.Float;
using static Emulator.Core.Cpu.Cpu;

namespace Emulator.Tests.Cpu.SimdFloat;

/// <summary>
/// The host fast path against the software core it stands in for, lane by lane, without a host
/// probe: whenever it accepts a vector its results and its PE answer are the soft core's under the
/// default MXCSR, and it does accept typical operands (it is not a path that is never taken).
/// </summary>
public sealed class FastPathTests
{
    [Fact]
    public void Accepted_vectors_agree_with_the_soft_core_and_typical_ones_are_accepted()
    {
        var r = new Random(77);
        int accepted = 0, typicalAccepted = 0, typical = 0;
        FloatBinaryOp[] ops = [FloatBinaryOp.Add, FloatBinaryOp.Sub, FloatBinaryOp.Mul, FloatBinaryOp.Div];
        for (int n = 0; n < 40_000; n++)
        {
            FloatBinaryOp op = ops[n % 4];
            bool isTypical = n % 2 == 0;
            Vector256<double> a = Vector256.Create(Value(r, isTypical), Value(r, isTypical), Value(r, isTypical), Value(r, isTypical));
            Vector256<double> b = Vector256.Create(Value(r, isTypical), Value(r, isTypical), Value(r, isTypical), Value(r, isTypical));
            typical += isTypical ? 1 : 0;
            if (!Fast64(op, a, b, out Vector256<byte> result, out bool inexact))
            {
                continue;
            }
            accepted++;
            typicalAccepted += isTypical ? 1 : 0;
            var env = new FloatEnv(0x1F80);
            for (int k = 0; k < 4; k++)
            {
                ulong x = a.AsUInt64()[k], y = b.AsUInt64()[k];
                ulong soft = op switch
                {
                    FloatBinaryOp.Add => SoftFloat.Add<Binary64>(x, y, ref env),
                    FloatBinaryOp.Sub => SoftFloat.Sub<Binary64>(x, y, ref env),
                    FloatBinaryOp.Mul => SoftFloat.Mul<Binary64>(x, y, ref env),
                    _ => SoftFloat.Div<Binary64>(x, y, ref env),
                };
                // The same bits in every lane...
                Assert.Equal(soft, result.AsUInt64()[k]);
            }
            // ... and the same single flag: accepted vectors raise nothing but PE.
            Assert.Equal(inexact ? MxcsrBits.PE : 0, env.Flags);
        }
        // Typical operands (moderate magnitudes) take the fast path almost always.
        Assert.True(typicalAccepted > typical * 9 / 10, $"{typicalAccepted} of {typical} typical vectors accepted");
        Assert.True(accepted > typicalAccepted, "some edge vectors are accepted too");
    }

    /// <summary>Typical: a moderate magnitude, half of them small integers (exact arithmetic). Edge:
    /// any bit pattern from <see cref="FloatPatterns"/>.</summary>
    private static double Value(Random r, bool typical)
    {
        if (!typical)
        {
            return BitConverter.UInt64BitsToDouble(FloatPatterns.Double(r));
        }
        return r.Next(2) == 0 ? r.Next(-100, 100) | 1 : (r.NextDouble() - 0.5) * Math.Pow(2, r.Next(-60, 60));
    }
}

using System.Numerics;
using System.Runtime.Intrinsics;

namespace Emulator.Core.Cpu.Simd;

/// <summary>Multiplies, sums of absolute differences, averages, PSIGN and the horizontal
/// add/subtract family.</summary>
internal static partial class IntegerLanes
{
    /// <summary>PMULHW: the high 16 bits of each signed 16×16 product.</summary>
    private static Vector128<byte> MulHighSigned16(Vector128<byte> a, Vector128<byte> b)
    {
        var (al, ah) = Vector128.Widen(a.AsInt16());
        var (bl, bh) = Vector128.Widen(b.AsInt16());
        return Vector128.Narrow(Vector128.ShiftRightArithmetic(al * bl, 16), Vector128.ShiftRightArithmetic(ah * bh, 16)).AsByte();
    }

    /// <summary>PMULHUW: the high 16 bits of each unsigned 16×16 product.</summary>
    private static Vector128<byte> MulHighUnsigned16(Vector128<byte> a, Vector128<byte> b)
    {
        var (al, ah) = Vector128.Widen(a.AsUInt16());
        var (bl, bh) = Vector128.Widen(b.AsUInt16());
        return Vector128.Narrow(Vector128.ShiftRightLogical(al * bl, 16), Vector128.ShiftRightLogical(ah * bh, 16)).AsByte();
    }

    /// <summary>PMULHRSW: each signed 16×16 product scaled to its high 16 bits with rounding:
    /// ((a×b &gt;&gt; 14) + 1) &gt;&gt; 1, truncated (0x8000 × 0x8000 gives 0x8000).</summary>
    private static Vector128<byte> MulHighRoundScale16(Vector128<byte> a, Vector128<byte> b)
    {
        var (al, ah) = Vector128.Widen(a.AsInt16());
        var (bl, bh) = Vector128.Widen(b.AsInt16());
        Vector128<int> one = Vector128<int>.One;
        Vector128<int> lo = Vector128.ShiftRightArithmetic(Vector128.ShiftRightArithmetic(al * bl, 14) + one, 1);
        Vector128<int> hi = Vector128.ShiftRightArithmetic(Vector128.ShiftRightArithmetic(ah * bh, 14) + one, 1);
        return Vector128.Narrow(lo, hi).AsByte();
    }

    /// <summary>PMULUDQ: the unsigned 64-bit products of dwords 0 and 2.</summary>
    private static Vector128<byte> MulEvenUnsigned32(Vector128<byte> a, Vector128<byte> b)
    {
        Vector128<ulong> low = Vector128.Create(0xFFFF_FFFFUL);
        return ((a.AsUInt64() & low) * (b.AsUInt64() & low)).AsByte();
    }

    /// <summary>PMULDQ: the signed 64-bit products of dwords 0 and 2.</summary>
    private static Vector128<byte> MulEvenSigned32(Vector128<byte> a, Vector128<byte> b)
    {
        // Sign-extend the even dwords in place: shift each quadword left 32, then arithmetic right 32.
        Vector128<long> x = Vector128.ShiftRightArithmetic(Vector128.ShiftLeft(a.AsInt64(), 32), 32);
        Vector128<long> y = Vector128.ShiftRightArithmetic(Vector128.ShiftLeft(b.AsInt64(), 32), 32);
        return (x * y).AsByte();
    }

    /// <summary>PMADDWD: each dword is the sum of two signed 16×16 products; the one overflow
    /// (all four words 0x8000) wraps to 0x80000000 as on hardware.</summary>
    private static Vector128<byte> MultiplyAddWords(Vector128<byte> a, Vector128<byte> b)
    {
        Vector128<byte> r = default;
        for (int k = 0; k < 4; k++)
        {
            At<int>(ref r, k) = unchecked(At<short>(ref a, 2 * k) * At<short>(ref b, 2 * k)
                + At<short>(ref a, 2 * k + 1) * At<short>(ref b, 2 * k + 1));
        }
        return r;
    }

    /// <summary>PMADDUBSW: unsigned bytes of <paramref name="a"/> times signed bytes of
    /// <paramref name="b"/>, adjacent products added with signed word saturation.</summary>
    private static Vector128<byte> MultiplyAddUnsignedSignedBytes(Vector128<byte> a, Vector128<byte> b)
    {
        Vector128<byte> r = default;
        for (int k = 0; k < 8; k++)
        {
            int sum = At<byte>(ref a, 2 * k) * At<sbyte>(ref b, 2 * k) + At<byte>(ref a, 2 * k + 1) * At<sbyte>(ref b, 2 * k + 1);
            At<short>(ref r, k) = SaturateToInt16(sum);
        }
        return r;
    }

    /// <summary>PSADBW: per quadword, the sum of the eight absolute byte differences in its low word.</summary>
    private static Vector128<byte> SumAbsoluteDifferences(Vector128<byte> a, Vector128<byte> b)
    {
        Vector128<byte> d = Vector128.Max(a, b) - Vector128.Min(a, b);
        Vector128<byte> r = default;
        for (int h = 0; h < 2; h++)
        {
            int sum = 0;
            for (int k = 0; k < 8; k++)
            {
                sum += At<byte>(ref d, 8 * h + k);
            }
            At<ulong>(ref r, h) = (ulong)sum;
        }
        return r;
    }

    /// <summary>MPSADBW: eight sums of absolute differences between a sliding 4-byte window of
    /// <paramref name="a"/> (from byte 4×imm[2]) and the fixed 4-byte block imm[1:0] of <paramref name="b"/>.</summary>
    private static Vector128<byte> MultipleSumAbsoluteDifferences(Vector128<byte> a, Vector128<byte> b, int imm)
    {
        int aOff = ((imm >> 2) & 1) * 4;
        int bOff = (imm & 3) * 4;
        Vector128<byte> r = default;
        for (int k = 0; k < 8; k++)
        {
            int sum = 0;
            for (int j = 0; j < 4; j++)
            {
                sum += Math.Abs(At<byte>(ref a, aOff + k + j) - At<byte>(ref b, bOff + j));
            }
            At<ushort>(ref r, k) = (ushort)sum;
        }
        return r;
    }

    /// <summary>PAVGB: (a + b + 1) &gt;&gt; 1 per unsigned byte, without the 9-bit intermediate:
    /// (a | b) − ((a ^ b) &gt;&gt; 1) is the same value.</summary>
    private static Vector128<byte> Average8(Vector128<byte> a, Vector128<byte> b) =>
        (a | b) - Vector128.ShiftRightLogical(a ^ b, 1);

    /// <summary>PAVGW: the rounded unsigned average of each word.</summary>
    private static Vector128<byte> Average16(Vector128<byte> a, Vector128<byte> b)
    {
        Vector128<ushort> x = a.AsUInt16(), y = b.AsUInt16();
        return ((x | y) - Vector128.ShiftRightLogical(x ^ y, 1)).AsByte();
    }

    /// <summary>PSIGN: <paramref name="a"/> negated where <paramref name="b"/> is negative (wrapping:
    /// the most negative value stays), zero where it is zero, unchanged where it is positive.</summary>
    private static Vector128<T> Sign<T>(Vector128<T> a, Vector128<T> b) where T : unmanaged, ISignedNumber<T>
    {
        Vector128<T> negative = Vector128.LessThan(b, Vector128<T>.Zero);
        Vector128<T> zero = Vector128.Equals(b, Vector128<T>.Zero);
        return Vector128.AndNot(Vector128.ConditionalSelect(negative, Vector128<T>.Zero - a, a), zero);
    }

    /// <summary>PHADDW/PHADDSW/PHSUBW/PHSUBSW: adjacent word pairs of <paramref name="a"/> fill the
    /// low half, those of <paramref name="b"/> the high half (even − odd for the subtractions).</summary>
    private static Vector128<byte> Horizontal16(Vector128<byte> a, Vector128<byte> b, bool subtract, bool saturate)
    {
        Vector128<byte> r = default;
        for (int k = 0; k < 8; k++)
        {
            ref Vector128<byte> src = ref k < 4 ? ref a : ref b;
            int j = 2 * (k & 3);
            int even = At<short>(ref src, j), odd = At<short>(ref src, j + 1);
            int x = subtract ? even - odd : even + odd;
            At<short>(ref r, k) = saturate ? SaturateToInt16(x) : (short)x;
        }
        return r;
    }

    /// <summary>PHADDD/PHSUBD: adjacent dword pairs, wrapping.</summary>
    private static Vector128<byte> Horizontal32(Vector128<byte> a, Vector128<byte> b, bool subtract)
    {
        Vector128<byte> r = default;
        for (int k = 0; k < 4; k++)
        {
            ref Vector128<byte> src = ref k < 2 ? ref a : ref b;
            int j = 2 * (k & 1);
            uint even = At<uint>(ref src, j), odd = At<uint>(ref src, j + 1);
            At<uint>(ref r, k) = subtract ? even - odd : even + odd;
        }
        return r;
    }

    /// <summary>PHMINPOSUW: the smallest unsigned word in bits 15:0, the index of its first
    /// occurrence in bits 18:16, everything else zero.</summary>
    private static Vector128<byte> MinimumPosition(Vector128<byte> a)
    {
        int min = At<ushort>(ref a, 0), index = 0;
        for (int k = 1; k < 8; k++)
        {
            int w = At<ushort>(ref a, k);
            if (w < min)
            {
                min = w;
                index = k;
            }
        }
        return Vector128.CreateScalar((uint)(min | (index << 16))).AsByte();
    }
}

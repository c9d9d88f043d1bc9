using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using Emulator.Core.Cpu.Float;

namespace Emulator.Core.Cpu;

public sealed partial class Cpu
{
    /// <summary>MXCSR bits the fast path depends on: RC (14:13) and PM (12).</summary>
    private const uint FastControlMask = 0x7000;

    /// <summary>RC = round to nearest and precision masked: the only control state in which the host's
    /// arithmetic (IEEE round-to-nearest in .NET) gives the architectural result and PE is a flag.</summary>
    private const uint FastControl = 0x1000;

    /// <summary>
    /// ADD/SUB/MUL/DIV PS/PD on the host's vector unit when that is provably the exact x86 result.
    /// </summary>
    /// <remarks>
    /// <para>Used only under <see cref="FastControl"/> and when every source element is a normal number
    /// or a zero (so no NaN rule, IE, DE or DAZ applies) and every result is a normal number at least two
    /// binades above the smallest (so no overflow, underflow, FTZ or tininess question arises; a sum may
    /// also be an exact zero). Then round-to-nearest IEEE arithmetic is x86 arithmetic, and the only
    /// condition left is PE, decided with error-free transformations: the TwoSum error of a sum, and
    /// a·b − p or a − q·b computed exactly by a fused multiply-add, which requires the exact bits of
    /// the product (dividend) to lie above the denormal range (<see cref="MulMinExponent{F}"/>).
    /// Anything else returns false and the lanes go through <see cref="SoftFloat"/>.</para>
    /// </remarks>
    private bool TryPackedFast<F>(FloatBinaryOp op, uint mxcsr, in Vector256<byte> a, in Vector256<byte> b, bool wide,
        out Vector256<byte> r) where F : struct, IFloatFormat
    {
        r = default;
        if ((mxcsr & FastControlMask) != FastControl || op >= FloatBinaryOp.Min)
        {
            return false;
        }
        bool inexact;
        bool ok = Lanes.IsSingle<F>()
            ? Fast32(op, Benign<float>(a, wide, 1f), Benign<float>(b, wide, 1f), out r, out inexact)
            : Fast64(op, Benign<double>(a, wide, 1d), Benign<double>(b, wide, 1d), out r, out inexact);
        if (ok && inexact)
        {
            _state.Mxcsr = mxcsr | MxcsrBits.PE;
        }
        return ok;
    }

    /// <summary>The scalar version of <see cref="TryPackedFast{F}"/> (ADDSS ... DIVSD).</summary>
    private bool TryScalarFast<F>(FloatBinaryOp op, uint mxcsr, ulong x, ulong y, out ulong result) where F : struct, IFloatFormat
    {
        result = 0;
        if ((mxcsr & FastControlMask) != FastControl || op >= FloatBinaryOp.Min)
        {
            return false;
        }
        Vector256<byte> a = Vector256.CreateScalarUnsafe(x).AsByte();
        Vector256<byte> b = Vector256.CreateScalarUnsafe(y).AsByte();
        bool inexact;
        Vector256<byte> r;
        bool ok = Lanes.IsSingle<F>()
            ? Fast32(op, BenignScalar<float>(a, 1f), BenignScalar<float>(b, 1f), out r, out inexact)
            : Fast64(op, BenignScalar<double>(a, 1d), BenignScalar<double>(b, 1d), out r, out inexact);
        if (!ok)
        {
            return false;
        }
        if (inexact)
        {
            _state.Mxcsr = mxcsr | MxcsrBits.PE;
        }
        result = Lanes.Get<F>(r, 0);
        return true;
    }

    /// <summary>The source as a vector of <typeparamref name="T"/> whose inactive elements are
    /// <paramref name="one"/> (exact and harmless in every operation).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<T> Benign<T>(in Vector256<byte> v, bool wide, T one)
    {
        Vector256<T> t = v.As<byte, T>();
        return wide ? t : Vector256.Create(t.GetLower(), Vector128.Create(one));
    }

    /// <summary>Only element 0 active.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<T> BenignScalar<T>(in Vector256<byte> v, T one)
    {
        Vector256<T> t = Vector256.Create(one);
        return t.WithElement(0, v.As<byte, T>().GetElement(0));
    }

    /// <summary>Smallest biased exponent of a product (or dividend) whose exact bits, and so the
    /// fused-multiply-add error term, stay above the denormal range: 2·precision + 10.</summary>
    private static ulong MulMinExponent<F>() where F : struct, IFloatFormat => (ulong)(2 * (F.FracBits + 1) + 10);

    internal static bool Fast64(FloatBinaryOp op, Vector256<double> a, Vector256<double> b, out Vector256<byte> result, out bool inexact)
    {
        Vector256<ulong> expMask = Vector256.Create(Binary64.ExpMask);
        Vector256<ulong> absMask = Vector256.Create(~Binary64.SignBit);
        if (!NormalOrZero(a.AsUInt64(), expMask, absMask) || !NormalOrZero(b.AsUInt64(), expMask, absMask))
        {
            result = default;
            inexact = false;
            return false;
        }
        Vector256<double> r, err;
        Vector256<ulong> minExp = Vector256.Create(2UL << 52);
        bool zeroAllowed = false;
        switch (op)
        {
            case FloatBinaryOp.Add:
            case FloatBinaryOp.Sub:
                Vector256<double> bs = op == FloatBinaryOp.Add ? b : -b;
                r = a + bs;
                Vector256<double> bb = r - a;
                err = (a - (r - bb)) + (bs - bb);
                zeroAllowed = true;
                break;
            case FloatBinaryOp.Mul:
                r = a * b;
                err = Vector256.FusedMultiplyAdd(a, b, -r);
                minExp = Vector256.Create(MulMinExponent<Binary64>() << 52);
                break;
            default:
                r = a / b;
                err = Vector256.FusedMultiplyAdd(-r, b, a);
                if (!Vector256.GreaterThanOrEqualAll(a.AsUInt64() & expMask, Vector256.Create(MulMinExponent<Binary64>() << 52)))
                {
                    result = default;
                    inexact = false;
                    return false;
                }
                break;
        }
        result = r.AsByte();
        inexact = false;
        Vector256<ulong> e = r.AsUInt64() & expMask;
        Vector256<ulong> inRange = Vector256.GreaterThanOrEqual(e, minExp) & ~Vector256.Equals(e, expMask);
        if (zeroAllowed)
        {
            inRange |= Vector256.Equals(r.AsUInt64() & absMask, Vector256<ulong>.Zero);
        }
        // The error term must be finite (TwoSum overflows only near the top of the range).
        Vector256<ulong> errFinite = ~Vector256.Equals(err.AsUInt64() & expMask, expMask);
        if (!Vector256.EqualsAll(inRange & errFinite, Vector256<ulong>.AllBitsSet))
        {
            return false;
        }
        inexact = !Vector256.EqualsAll(err.AsUInt64() & absMask, Vector256<ulong>.Zero);
        return true;
    }

    internal static bool Fast32(FloatBinaryOp op, Vector256<float> a, Vector256<float> b, out Vector256<byte> result, out bool inexact)
    {
        Vector256<uint> expMask = Vector256.Create((uint)Binary32.ExpMask);
        Vector256<uint> absMask = Vector256.Create(~(uint)Binary32.SignBit);
        if (!NormalOrZero(a.AsUInt32(), expMask, absMask) || !NormalOrZero(b.AsUInt32(), expMask, absMask))
        {
            result = default;
            inexact = false;
            return false;
        }
        Vector256<float> r, err;
        Vector256<uint> minExp = Vector256.Create(2u << 23);
        bool zeroAllowed = false;
        switch (op)
        {
            case FloatBinaryOp.Add:
            case FloatBinaryOp.Sub:
                Vector256<float> bs = op == FloatBinaryOp.Add ? b : -b;
                r = a + bs;
                Vector256<float> bb = r - a;
                err = (a - (r - bb)) + (bs - bb);
                zeroAllowed = true;
                break;
            case FloatBinaryOp.Mul:
                r = a * b;
                err = Vector256.FusedMultiplyAdd(a, b, -r);
                minExp = Vector256.Create((uint)MulMinExponent<Binary32>() << 23);
                break;
            default:
                r = a / b;
                err = Vector256.FusedMultiplyAdd(-r, b, a);
                if (!Vector256.GreaterThanOrEqualAll(a.AsUInt32() & expMask, Vector256.Create((uint)MulMinExponent<Binary32>() << 23)))
                {
                    result = default;
                    inexact = false;
                    return false;
                }
                break;
        }
        result = r.AsByte();
        inexact = false;
        Vector256<uint> e = r.AsUInt32() & expMask;
        Vector256<uint> inRange = Vector256.GreaterThanOrEqual(e, minExp) & ~Vector256.Equals(e, expMask);
        if (zeroAllowed)
        {
            inRange |= Vector256.Equals(r.AsUInt32() & absMask, Vector256<uint>.Zero);
        }
        Vector256<uint> errFinite = ~Vector256.Equals(err.AsUInt32() & expMask, expMask);
        if (!Vector256.EqualsAll(inRange & errFinite, Vector256<uint>.AllBitsSet))
        {
            return false;
        }
        inexact = !Vector256.EqualsAll(err.AsUInt32() & absMask, Vector256<uint>.Zero);
        return true;
    }

    /// <summary>Every element a normal number or a zero.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool NormalOrZero<T>(Vector256<T> bits, Vector256<T> expMask, Vector256<T> absMask)
    {
        Vector256<T> e = bits & expMask;
        Vector256<T> bad = Vector256.Equals(e, expMask)
            | (Vector256.Equals(e, Vector256<T>.Zero) & ~Vector256.Equals(bits & absMask, Vector256<T>.Zero));
        return Vector256.EqualsAll(bad, Vector256<T>.Zero);
    }
}

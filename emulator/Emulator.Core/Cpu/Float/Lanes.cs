using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Emulator.Core.Cpu.Float;

/// <summary>Element access to a 256-bit register image by format: binary32 lanes are 4 bytes, binary64
/// lanes 8 (element 0 is bits 31:0 or 63:0). A 128-bit operation uses the low half.</summary>
internal static class Lanes
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool IsSingle<F>() where F : struct, IFloatFormat => typeof(F) == typeof(Binary32);

    /// <summary>Bytes per element.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Size<F>() where F : struct, IFloatFormat => IsSingle<F>() ? 4 : 8;

    /// <summary>Elements in a 128-bit (or, when <paramref name="wide"/>, 256-bit) register.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Count<F>(bool wide) where F : struct, IFloatFormat => (wide ? 32 : 16) / Size<F>();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong Get<F>(in Vector256<byte> v, int k) where F : struct, IFloatFormat =>
        IsSingle<F>() ? U32(in v, k) : U64(in v, k);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Set<F>(ref Vector256<byte> v, int k, ulong x) where F : struct, IFloatFormat
    {
        if (IsSingle<F>())
        {
            Unsafe.Add(ref Unsafe.As<Vector256<byte>, uint>(ref v), k) = (uint)x;
        }
        else
        {
            Unsafe.Add(ref Unsafe.As<Vector256<byte>, ulong>(ref v), k) = x;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static uint U32(in Vector256<byte> v, int k) =>
        Unsafe.Add(ref Unsafe.As<Vector256<byte>, uint>(ref Unsafe.AsRef(in v)), k);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong U64(in Vector256<byte> v, int k) =>
        Unsafe.Add(ref Unsafe.As<Vector256<byte>, ulong>(ref Unsafe.AsRef(in v)), k);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ushort U16(in Vector256<byte> v, int k) =>
        Unsafe.Add(ref Unsafe.As<Vector256<byte>, ushort>(ref Unsafe.AsRef(in v)), k);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void SetU32(ref Vector256<byte> v, int k, uint x) => Unsafe.Add(ref Unsafe.As<Vector256<byte>, uint>(ref v), k) = x;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void SetU64(ref Vector256<byte> v, int k, ulong x) => Unsafe.Add(ref Unsafe.As<Vector256<byte>, ulong>(ref v), k) = x;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void SetU16(ref Vector256<byte> v, int k, ushort x) => Unsafe.Add(ref Unsafe.As<Vector256<byte>, ushort>(ref v), k) = x;
}

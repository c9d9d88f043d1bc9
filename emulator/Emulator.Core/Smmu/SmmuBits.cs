using System.Runtime.CompilerServices;

namespace Emulator.Core.Smmu;

/// <summary>
/// <c>GENMASK</c>, <c>FIELD_GET</c> and <c>FIELD_PREP</c> for the SMMU formats, so that every layout in
/// this folder reads like the <c>arm-smmu-v3.h</c> definition it mirrors (bit numbers high:low).
/// </summary>
internal static class SmmuBits
{
    /// <summary><c>GENMASK_ULL(hi, lo)</c>: bits hi..lo inclusive set.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong Mask(int hi, int lo) => (ulong.MaxValue >> (63 - hi)) & (ulong.MaxValue << lo);

    /// <summary><c>FIELD_GET(GENMASK_ULL(hi, lo), word)</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong Get(ulong word, int hi, int lo) => (word & Mask(hi, lo)) >> lo;

    /// <summary><c>FIELD_PREP(GENMASK_ULL(hi, lo), value)</c>; bits of <paramref name="value"/> that do not
    /// fit are dropped, as the Linux macro drops them.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong Prep(int hi, int lo, ulong value) => (value << lo) & Mask(hi, lo);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool Bit(ulong word, int bit) => ((word >> bit) & 1) != 0;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong Flag(int bit, bool set) => set ? 1UL << bit : 0;

    /// <summary>Throws when a factory argument does not fit its field: a caller bug, not guest input.</summary>
    public static void CheckWidth(ulong value, int bits, string paramName)
    {
        if (bits < 64 && value >> bits != 0)
        {
            throw new ArgumentOutOfRangeException(paramName, value, $"does not fit in {bits} bits");
        }
    }
}

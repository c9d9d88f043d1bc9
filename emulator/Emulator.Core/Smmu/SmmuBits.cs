using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
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
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void CheckWidth(ulong value, int bits, string paramName)
    {
        if (bits < 64 && value >> bits != 0)
        {
            ThrowTooWide(value, bits, paramName);
        }
    }

    /// <summary>Throws unless a buffer of <paramref name="length"/> bytes holds a <paramref name="what"/>
    /// of <paramref name="size"/> bytes (the in-memory formats' ReadFrom/WriteTo).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void CheckLength(int length, int size, string what, string paramName)
    {
        if (length < size)
        {
            ThrowTooShort(length, size, what, paramName);
        }
    }

    // The throws live out of line so the checks above inline into the command and table codecs.
    [DoesNotReturn]
    private static void ThrowTooWide(ulong value, int bits, string paramName) =>
        throw new ArgumentOutOfRangeException(paramName, value, $"does not fit in {bits} bits");

    [DoesNotReturn]
    private static void ThrowTooShort(int length, int size, string what, string paramName) =>
        throw new ArgumentException($"{what} is {size} bytes; got {length}", paramName);

    /// <summary>The little-endian 64-bit word <paramref name="word"/> of an in-memory structure.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong ReadWord(ReadOnlySpan<byte> source, int word) => BinaryPrimitives.ReadUInt64LittleEndian(source[(word * 8)..]);

    /// <summary>Writes <paramref name="words"/> little-endian, one after the other, from the start of <paramref name="destination"/>.</summary>
    public static void WriteWords(Span<byte> destination, params ReadOnlySpan<ulong> words)
    {
        for (int i = 0; i < words.Length; i++)
        {
            BinaryPrimitives.WriteUInt64LittleEndian(destination[(i * 8)..], words[i]);
        }
    }
}

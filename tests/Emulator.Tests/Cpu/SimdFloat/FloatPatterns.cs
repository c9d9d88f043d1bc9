namespace Emulator.Tests.Cpu.SimdFloat;

/// <summary>Random binary32/binary64 bit patterns biased toward the values where floating point is
/// hard: zeros, denormals, the smallest and largest normals, infinities, quiet and signalling NaNs,
/// values near one, small integers, and fractions with long runs of ones or zeros.</summary>
internal static class FloatPatterns
{
    public static uint Single(Random r) => (uint)Pattern(r, 8, 23);

    public static ulong Double(Random r) => Pattern(r, 11, 52);

    /// <summary>A pattern of 1 + <paramref name="expBits"/> + <paramref name="fracBits"/> bits.</summary>
    public static ulong Pattern(Random r, int expBits, int fracBits)
    {
        ulong expMax = (1UL << expBits) - 1;
        ulong bias = expMax >> 1;
        ulong fracMask = (1UL << fracBits) - 1;
        ulong exp = r.Next(13) switch
        {
            0 => 0,
            1 => expMax,
            2 => 1,
            3 => expMax - 1,
            4 or 5 => bias + (ulong)r.Next(-3, 4),
            6 => bias + (ulong)r.Next(-fracBits - 2, fracBits + 3),
            7 => (ulong)r.Next(1, 4) + (ulong)r.Next(2) * (expMax - 4),
            // Around 2^31 and 2^63, the integer conversions' range limits.
            8 => fracBits < 23 ? (ulong)r.Next((int)expMax + 1) : bias + (ulong)(r.Next(2) == 0 ? 31 : 63) + (ulong)r.Next(-1, 2),
            _ => (ulong)r.NextInt64((long)expMax + 1),
        };
        ulong frac = r.Next(8) switch
        {
            0 => 0,
            1 => fracMask,
            2 => 1,
            3 => 1UL << (fracBits - 1),
            4 => fracMask >> r.Next(fracBits),
            5 => (fracMask << r.Next(fracBits)) & fracMask,
            _ => (ulong)r.NextInt64() & fracMask,
        };
        ulong sign = (ulong)r.Next(2) << (expBits + fracBits);
        return sign | (exp << fracBits) | frac;
    }
}

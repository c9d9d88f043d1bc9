namespace Emulator.Core.Kernel.Sys;

/// <summary>SplitMix64 (Steele, Lea, Flood 2014): a tiny seeded generator whose sequence is fixed
/// by its definition, so a scheduling seed means the same thing on every .NET version.</summary>
internal struct SplitMix64(ulong seed)
{
    private ulong _state = seed;

    public ulong Next()
    {
        ulong z = _state += 0x9E37_79B9_7F4A_7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58_476D_1CE4_E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D0_49BB_1331_11EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>A value in [<paramref name="min"/>, <paramref name="max"/>] (inclusive).</summary>
    public long Between(long min, long max) => min + (long)(Next() % (ulong)(max - min + 1));
}

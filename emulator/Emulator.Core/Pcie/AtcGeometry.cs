using System.Numerics;

namespace Emulator.Core.Pcie;

/// <summary>The shape of an <see cref="Atc"/>: a set-associative array of 4 KiB translations and a small
/// fully associative array of ranged ones.</summary>
/// <remarks>Geometry comes from configuration that is validated (with file:line messages) before it gets
/// here, so a bad value is a bug: the constructor throws <see cref="ArgumentOutOfRangeException"/> naming
/// the parameter. Properties have no setters, so <c>with</c> cannot bypass the checks.</remarks>
public sealed record AtcGeometry
{
    public const int DefaultEntries = 256;
    public const int DefaultWays = 4;
    public const int DefaultRangedEntries = 16;
    public const int MaxWays = 32;
    public const int MaxSets = 1 << 16;
    public const int MaxRangedEntries = 256;

    /// <summary>Creates a geometry.</summary>
    /// <param name="entries">4 KiB entries in all; a multiple of <paramref name="ways"/> whose quotient (the
    /// number of sets) is a power of two, 1..<see cref="MaxSets"/>.</param>
    /// <param name="ways">Associativity of the 4 KiB array, 1..<see cref="MaxWays"/>.</param>
    /// <param name="rangedEntries">Entries of the ranged array, 1..<see cref="MaxRangedEntries"/>.</param>
    /// <exception cref="ArgumentOutOfRangeException">A parameter is out of range.</exception>
    public AtcGeometry(int entries = DefaultEntries, int ways = DefaultWays, int rangedEntries = DefaultRangedEntries)
    {
        if (ways < 1 || ways > MaxWays)
        {
            throw new ArgumentOutOfRangeException(nameof(ways), ways, $"ways must be 1..{MaxWays}");
        }
        if (entries < ways || entries % ways != 0 || !BitOperations.IsPow2(entries / ways) || entries / ways > MaxSets)
        {
            throw new ArgumentOutOfRangeException(nameof(entries), entries,
                $"entries must be ways ({ways}) times a power of two number of sets (1..{MaxSets})");
        }
        if (rangedEntries < 1 || rangedEntries > MaxRangedEntries)
        {
            throw new ArgumentOutOfRangeException(nameof(rangedEntries), rangedEntries, $"rangedEntries must be 1..{MaxRangedEntries}");
        }
        Entries = entries;
        Ways = ways;
        RangedEntries = rangedEntries;
    }

    /// <summary>256 entries, 4 ways (64 sets), 16 ranged entries.</summary>
    public static AtcGeometry Default { get; } = new();

    /// <summary>4 KiB entries in all.</summary>
    public int Entries { get; }

    /// <summary>Ways per set of the 4 KiB array.</summary>
    public int Ways { get; }

    /// <summary>Entries of the fully associative ranged array.</summary>
    public int RangedEntries { get; }

    /// <summary>Sets of the 4 KiB array (a power of two).</summary>
    public int Sets => Entries / Ways;
}

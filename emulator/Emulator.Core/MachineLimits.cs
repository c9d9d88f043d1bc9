using System.Numerics;
using Emulator.Core.Memory;
using Emulator.Core.Pcie;

namespace Emulator.Core;

/// <summary>
/// The values a user may give for a <see cref="MachineOptions"/> field (a trace's <c>machine</c>
/// statement, the command line), each checked with a message naming the allowed range. The
/// constructors keep their own guards as bug checks; no user input reaches them without passing here.
/// </summary>
/// <remarks>Each check returns false with the message (no key name, no position: the caller adds
/// them). The ranges are those the models are built for, not merely what they survive: an IOTLB of
/// 2³¹ entries would be allocated before it failed.</remarks>
public static class MachineLimits
{
    /// <summary>Largest IOTLB: 64 Ki entries (its map and fill ring are allocated up front).</summary>
    public const int MaxIotlbEntries = 1 << 16;

    /// <summary>Largest command queue: the SMMU model's SMMU_IDR1.CMDQS is 10.</summary>
    public const int MaxCmdqEntries = 1 << 10;

    /// <summary>Largest StreamID + 1: the SMMU model's SMMU_IDR1.SIDSIZE is 16.</summary>
    public const ulong SidCount = 1UL << 16;

    /// <summary>RAM: a multiple of 4 KiB, 4 KiB..<see cref="PhysicalMemory.MaxRamSize"/>.</summary>
    public static bool CheckRam(ulong bytes, out string? error)
    {
        error = bytes == 0 || bytes % 4096 != 0 || bytes > PhysicalMemory.MaxRamSize
            ? $"ram must be a multiple of 4K from 4K to {PhysicalMemory.MaxRamSize >> 30}G, got {bytes}"
            : null;
        return error is null;
    }

    /// <summary>Paging levels: 4 or 5.</summary>
    public static bool CheckPaging(ulong levels, out string? error)
    {
        error = levels is 4 or 5 ? null : $"paging must be 4 or 5, got {levels}";
        return error is null;
    }

    /// <summary>ATC entries: <see cref="MachineOptions.AtcWays"/> (4) times a power of two number of
    /// sets, 1..<see cref="AtcGeometry.MaxSets"/>.</summary>
    public static bool CheckAtcEntries(ulong entries, out string? error)
    {
        const ulong ways = AtcGeometry.DefaultWays;
        const ulong max = ways * AtcGeometry.MaxSets;
        error = entries < ways || entries > max || entries % ways != 0 || !BitOperations.IsPow2(entries / ways)
            ? $"atc-entries must be {ways} (the ways) times a power of two, {ways}..{max}, got {entries}"
            : null;
        return error is null;
    }

    /// <summary>IOTLB entries: 1..<see cref="MaxIotlbEntries"/>.</summary>
    public static bool CheckIotlbEntries(ulong entries, out string? error)
    {
        error = entries is < 1 or > MaxIotlbEntries ? $"iotlb-entries must be 1..{MaxIotlbEntries}, got {entries}" : null;
        return error is null;
    }

    /// <summary>Command queue entries: a power of two, 2..<see cref="MaxCmdqEntries"/>.</summary>
    public static bool CheckCmdqEntries(ulong entries, out string? error)
    {
        error = entries is < 2 or > MaxCmdqEntries || !BitOperations.IsPow2(entries)
            ? $"cmdq-entries must be a power of two, 2..{MaxCmdqEntries}, got {entries}"
            : null;
        return error is null;
    }

    /// <summary>A device's StreamID: 0..<see cref="SidCount"/> − 1.</summary>
    public static bool CheckSid(ulong sid, out string? error)
    {
        error = sid >= SidCount ? $"sid must be 0..{SidCount - 1} (the SMMU's StreamIDs are 16 bits), got {sid}" : null;
        return error is null;
    }
}

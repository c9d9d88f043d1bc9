using System.Numerics;

namespace Emulator.Core.Iommu;

/// <summary>The ASID allocator (Linux <c>arm_smmu_asid_xa</c>, limit 1..2^asid_bits-1).</summary>
public sealed partial class SmmuDriver
{
    /// <summary>Allocated ASIDs, one bit each; bit 0 (ASID 0) stays set: reserved. Guarded by <see cref="_lock"/>.</summary>
    private readonly ulong[] _asidMap = CreateAsidMap();

    private static ulong[] CreateAsidMap()
    {
        var map = new ulong[(1 << 16) / 64];
        map[0] = 1;
        return map;
    }

    /// <summary>ASID bits the SMMU implements (IDR0.ASID16: 16, else 8); known after <see cref="Init"/>.</summary>
    public int AsidBits => _idr0.Asid16 ? 16 : 8;

    /// <summary>Allocates the lowest free ASID (never 0).</summary>
    /// <returns><see cref="Errno.Ok"/>; <see cref="Errno.ENODEV"/> before <see cref="Init"/>;
    /// <see cref="Errno.ENOSPC"/> when every ASID is in use.</returns>
    public Errno AllocateAsid(out ushort asid)
    {
        asid = 0;
        lock (_lock)
        {
            if (!_initialized)
            {
                return Errno.ENODEV;
            }
            int words = (1 << AsidBits) / 64;
            for (int w = 0; w < words; w++)
            {
                ulong free = ~_asidMap[w];
                if (free != 0)
                {
                    int bit = BitOperations.TrailingZeroCount(free);
                    _asidMap[w] |= 1UL << bit;
                    asid = (ushort)(w * 64 + bit);
                    return Errno.Ok;
                }
            }
            return Errno.ENOSPC;
        }
    }

    /// <summary>Returns <paramref name="asid"/> to the allocator. The caller must have invalidated it
    /// (<see cref="InvalidateAll"/>) and cleared every CD that uses it.</summary>
    /// <returns><see cref="Errno.EINVAL"/> for ASID 0 or an ASID that is not allocated.</returns>
    public Errno FreeAsid(ushort asid)
    {
        lock (_lock)
        {
            ulong bit = 1UL << (asid & 63);
            if (asid == 0 || (_asidMap[asid >> 6] & bit) == 0)
            {
                return Errno.EINVAL;
            }
            _asidMap[asid >> 6] &= ~bit;
            return Errno.Ok;
        }
    }
}

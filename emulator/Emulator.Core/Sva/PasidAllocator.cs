using System.Numerics;
using Emulator.Core.Threading;

namespace Emulator.Core.Sva;

/// <summary>
/// The machine-wide PASID space (Linux <c>iommu_global_pasid_ida</c>): 20-bit process address-space
/// IDs, 0 reserved (it means "no PASID" / the device's DMA without a prefix). One PASID names one mm
/// for every device bound to it, so the space is global, not per device.
/// </summary>
/// <remarks>
/// Allocation returns the lowest free ID within the caller's bounds (a device supports only
/// <c>2^pasid-bits</c> IDs), as an IDA does. Exhaustion is a value (<see cref="Errno.ENOSPC"/>).
/// Thread-safe.
/// </remarks>
public sealed class PasidAllocator
{
    /// <summary>Width of a PASID (PCIe PASID TLP prefix; SMMUv3 SSID up to 20 bits).</summary>
    public const int Bits = 20;

    /// <summary>Largest PASID.</summary>
    public const uint Max = (1u << Bits) - 1;

    /// <summary>Guards <see cref="_used"/>, <see cref="_count"/> and <see cref="_firstFreeWord"/>. Leaf lock.</summary>
    private readonly OrderedLock _lock = new(LockRank.Leaf, "pasid_ida");
    private readonly ulong[] _used = new ulong[(Max + 1) / 64];
    private int _count;

    /// <summary>No word below this one has a free bit: the scan starts here, keeping allocation
    /// amortised O(1) instead of rescanning the full words at the bottom every time.</summary>
    private uint _firstFreeWord;

    public PasidAllocator() => _used[0] = 1; // PASID 0 is reserved

    /// <summary>PASIDs currently allocated.</summary>
    public int Allocated
    {
        get
        {
            using (_lock.Enter())
            {
                return _count;
            }
        }
    }

    /// <summary>Allocates the lowest free PASID in [<paramref name="min"/>, <paramref name="max"/>].</summary>
    /// <returns><see cref="Errno.ENOSPC"/> when every PASID in range is taken; <see cref="Errno.EINVAL"/> for an empty or out-of-space range.</returns>
    public Errno Allocate(uint min, uint max, out uint pasid)
    {
        pasid = 0;
        min = Math.Max(min, 1);
        if (max > Max || min > max)
        {
            return Errno.EINVAL;
        }
        using (_lock.Enter())
        {
            for (uint word = Math.Max(min / 64, _firstFreeWord); word <= max / 64; word++)
            {
                ulong free = ~_used[word];
                if (free == 0 && word == _firstFreeWord)
                {
                    _firstFreeWord++;
                    continue;
                }
                if (word == min / 64)
                {
                    free &= ulong.MaxValue << (int)(min % 64);
                }
                if (free == 0)
                {
                    continue;
                }
                uint candidate = word * 64 + (uint)BitOperations.TrailingZeroCount(free);
                if (candidate > max)
                {
                    break;
                }
                _used[word] |= 1UL << (int)(candidate % 64);
                _count++;
                pasid = candidate;
                return Errno.Ok;
            }
            return Errno.ENOSPC;
        }
    }

    /// <summary>Returns a PASID to the pool.</summary>
    /// <exception cref="InvalidOperationException">It was not allocated (an emulator bug).</exception>
    public void Free(uint pasid)
    {
        using (_lock.Enter())
        {
            ulong bit = 1UL << (int)(pasid % 64);
            if (pasid == 0 || pasid > Max || (_used[pasid / 64] & bit) == 0)
            {
                throw new InvalidOperationException($"PASID {pasid} freed but not allocated");
            }
            _used[pasid / 64] &= ~bit;
            _count--;
            _firstFreeWord = Math.Min(_firstFreeWord, pasid / 64);
        }
    }

    /// <summary>True when <paramref name="pasid"/> is allocated.</summary>
    public bool IsAllocated(uint pasid)
    {
        if (pasid == 0 || pasid > Max)
        {
            return false;
        }
        using (_lock.Enter())
        {
            return (_used[pasid / 64] & (1UL << (int)(pasid % 64))) != 0;
        }
    }
}

using System.Diagnostics;
using Emulator.Core.Mm;

namespace Emulator.Core.Trace.Strace;

/// <summary>
/// The importer's model of one address space: which pages are mapped, with what protection, as the
/// emulated mm (<see cref="AddressSpace"/>) will have them once the trace so far has been replayed.
/// </summary>
/// <remarks>Regions are sorted and never overlap; adjacent regions merge under the emulated mm's
/// rule (same protection, both private or the same shared object at contiguous offsets), so "inside
/// one VMA", which mremap needs, means the same here as there.</remarks>
internal sealed class RegionMap
{
    private readonly List<Region> _regions;

    public RegionMap() => _regions = [];

    private RegionMap(List<Region> regions, ulong pages)
    {
        _regions = regions;
        TotalPages = pages;
    }

    /// <summary>Mapped pages in all regions.</summary>
    public ulong TotalPages { get; private set; }

    public int Count => _regions.Count;

    public Region this[int index] => _regions[index];

    public RegionMap Clone() => new(new List<Region>(_regions), TotalPages);

    /// <summary>Index of the first region whose end is above <paramref name="va"/>.</summary>
    public int FindIndex(ulong va)
    {
        int lo = 0, hi = _regions.Count;
        while (lo < hi)
        {
            int mid = (lo + hi) >>> 1;
            if (_regions[mid].End <= va)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid;
            }
        }
        return lo;
    }

    /// <summary>The region containing <paramref name="va"/>.</summary>
    public bool TryFind(ulong va, out Region region)
    {
        int i = FindIndex(va);
        if (i < _regions.Count && _regions[i].Start <= va)
        {
            region = _regions[i];
            return true;
        }
        region = default;
        return false;
    }

    public bool IsFree(ulong start, ulong end)
    {
        int i = FindIndex(start);
        return i >= _regions.Count || _regions[i].Start >= end;
    }

    public bool IsMapped(ulong start, ulong end)
    {
        ulong va = start;
        for (int i = FindIndex(start); i < _regions.Count && va < end; i++)
        {
            if (_regions[i].Start > va)
            {
                return false;
            }
            va = _regions[i].End;
        }
        return va >= end;
    }

    /// <summary>Appends the unmapped parts of [start, end) to <paramref name="holes"/>.</summary>
    public void Holes(ulong start, ulong end, List<(ulong Start, ulong End)> holes)
    {
        ulong va = start;
        for (int i = FindIndex(start); i < _regions.Count && va < end && _regions[i].Start < end; i++)
        {
            if (_regions[i].Start > va)
            {
                holes.Add((va, _regions[i].Start));
            }
            va = Math.Max(va, _regions[i].End);
        }
        if (va < end)
        {
            holes.Add((va, end));
        }
    }

    /// <summary>The address of mapped page number <paramref name="index"/> (0-based, in address order).</summary>
    public ulong PageAt(ulong index)
    {
        foreach (var r in _regions)
        {
            if (index < r.Pages)
            {
                return r.Start + (index << 12);
            }
            index -= r.Pages;
        }
        throw new ArgumentOutOfRangeException(nameof(index));
    }

    /// <summary>Maps [start, end), which must be free, and merges it with its neighbours.</summary>
    public void Map(Region region)
    {
        Debug.Assert(region.Start < region.End && IsFree(region.Start, region.End), "mapping over a mapping");
        int i = FindIndex(region.Start);
        _regions.Insert(i, region);
        TotalPages += region.Pages;
        MergeAround(i);
    }

    /// <summary>Removes whatever is mapped in [start, end).</summary>
    public void Unmap(ulong start, ulong end)
    {
        if (IsFree(start, end))
        {
            return;
        }
        SplitAt(start);
        SplitAt(end);
        int i = FindIndex(start);
        int n = 0;
        while (i + n < _regions.Count && _regions[i + n].Start < end)
        {
            TotalPages -= _regions[i + n].Pages;
            n++;
        }
        _regions.RemoveRange(i, n);
    }

    /// <summary>Sets the protection of [start, end), which must be mapped.</summary>
    public void Protect(ulong start, ulong end, Protection prot)
    {
        SplitAt(start);
        SplitAt(end);
        int first = FindIndex(start);
        int i = first;
        for (; i < _regions.Count && _regions[i].Start < end; i++)
        {
            _regions[i] = _regions[i] with { Prot = prot };
        }
        for (int j = Math.Min(i, _regions.Count - 1); j >= Math.Max(first - 1, 0); j--)
        {
            MergeAround(j);
        }
    }

    /// <summary>True when [start, end) lies inside one region (one VMA of the emulated mm).</summary>
    public bool InOneRegion(ulong start, ulong end, out Region region) =>
        TryFind(start, out region) && end <= region.End;

    private void SplitAt(ulong va)
    {
        int i = FindIndex(va);
        if (i >= _regions.Count || _regions[i].Start >= va)
        {
            return;
        }
        var r = _regions[i];
        _regions[i] = r.Slice(r.Start, va);
        _regions.Insert(i + 1, r.Slice(va, r.End));
    }

    private static bool CanMerge(in Region a, in Region b) =>
        a.End == b.Start && a.Prot == b.Prot && a.SharedId == b.SharedId &&
        (a.SharedId == 0 || a.PgOff + a.Pages == b.PgOff);

    /// <summary>Merges region <paramref name="i"/> with its compatible neighbours.</summary>
    private void MergeAround(int i)
    {
        if (i + 1 < _regions.Count && CanMerge(_regions[i], _regions[i + 1]))
        {
            _regions[i] = _regions[i] with { End = _regions[i + 1].End };
            _regions.RemoveAt(i + 1);
        }
        if (i > 0 && i < _regions.Count && CanMerge(_regions[i - 1], _regions[i]))
        {
            _regions[i - 1] = _regions[i - 1] with { End = _regions[i].End };
            _regions.RemoveAt(i);
        }
    }
}

using System.Diagnostics;

namespace Emulator.Core.Smmu;

/// <summary>
/// The SMMU's stage 1 TLB: translations tagged by ASID, of any of the three x86 page sizes, filled by
/// the SVA walker and removed only by CMD_TLBI_* (or by eviction).
/// </summary>
/// <remarks>
/// <para>SMMUv3 §4.4 (TLB invalidation): CMD_TLBI_NH_ALL and CMD_TLBI_NSNH_ALL remove everything;
/// CMD_TLBI_NH_ASID the non-global entries of one ASID; CMD_TLBI_NH_VA the entries of one ASID (and
/// global entries) that contain the address — or, in the range form (TG ≠ 0, §4.4.1.1), that overlap
/// [address, address + range size); CMD_TLBI_NH_VAA the same for every ASID. Leaf and TTL are hints
/// that only narrow what must be invalidated; walk caches are not modelled, so they change nothing.</para>
/// <para>Capacity is <see cref="SmmuOptions.IotlbEntries"/>, evicted oldest-fill first. Fill races
/// with invalidation are closed as in <see cref="ConfigCache"/>: a fill carries the
/// <see cref="Sequence"/> read before the walk and is dropped if an invalidation ran since.</para>
/// <para>Hot path: a lookup probes at most three keys (1 GiB, 2 MiB, 4 KiB) and allocates nothing.</para>
/// </remarks>
internal sealed class Iotlb
{
    private readonly record struct Key(ushort Asid, ulong PageNumber, int PageShift);

    private static readonly int[] s_pageShifts = [12, 21, 30];

    /// <summary>Guards every field below. Leaf lock.</summary>
    private readonly Lock _lock = new();
    private readonly Dictionary<Key, IotlbEntry> _entries;
    private readonly Key[] _fillOrder;
    private readonly int _capacity;
    private int _cursor;
    private int _globalEntries;
    private ulong _sequence;

    public Iotlb(int capacity)
    {
        _capacity = capacity;
        _entries = new Dictionary<Key, IotlbEntry>(capacity);
        _fillOrder = new Key[capacity];
    }

    /// <summary>Invalidation count, read before a walk and passed back to <see cref="Insert"/>.</summary>
    public ulong Sequence
    {
        get
        {
            lock (_lock)
            {
                return _sequence;
            }
        }
    }

    /// <summary>Entries currently cached.</summary>
    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _entries.Count;
            }
        }
    }

    /// <summary>The entry of <paramref name="asid"/> (or a global one) that contains <paramref name="va"/>.</summary>
    public bool TryLookup(ushort asid, ulong va, out IotlbEntry entry)
    {
        lock (_lock)
        {
            foreach (int shift in s_pageShifts)
            {
                if (_entries.TryGetValue(new Key(asid, va >> shift, shift), out entry))
                {
                    return true;
                }
            }
            if (_globalEntries > 0)
            {
                foreach (var (key, e) in _entries)
                {
                    if (e.Global && key.PageNumber == va >> key.PageShift)
                    {
                        entry = e;
                        return true;
                    }
                }
            }
        }
        entry = default;
        return false;
    }

    /// <summary>Caches a translation of <paramref name="va"/> unless an invalidation ran since <paramref name="sequence"/>.</summary>
    public void Insert(ushort asid, ulong va, in IotlbEntry entry, ulong sequence)
    {
        var key = new Key(asid, va >> entry.PageShift, entry.PageShift);
        lock (_lock)
        {
            if (sequence != _sequence)
            {
                return;
            }
            if (_entries.ContainsKey(key))
            {
                RemoveLocked(key);
            }
            // Each live entry owns the ring slot it was filled into, so with as many slots as entries
            // the slot under the cursor holds the oldest fill (or a key already gone, or default,
            // which never matches: no real entry has PageShift 0).
            RemoveLocked(_fillOrder[_cursor]);
            _fillOrder[_cursor] = key;
            _cursor = (_cursor + 1) % _capacity;
            _entries.Add(key, entry);
            if (entry.Global)
            {
                _globalEntries++;
            }
        }
    }

    /// <summary>CMD_TLBI_NH_ALL, CMD_TLBI_NSNH_ALL.</summary>
    public void InvalidateAll()
    {
        lock (_lock)
        {
            _sequence++;
            _entries.Clear();
            _globalEntries = 0;
            Array.Clear(_fillOrder);
            _cursor = 0;
        }
    }

    /// <summary>CMD_TLBI_NH_ASID: the non-global entries of <paramref name="asid"/>.</summary>
    public void InvalidateAsid(ushort asid)
    {
        lock (_lock)
        {
            _sequence++;
            foreach (var (key, e) in _entries)
            {
                if (key.Asid == asid && !e.Global)
                {
                    RemoveLocked(key);
                }
            }
        }
    }

    /// <summary>CMD_TLBI_NH_VA (<paramref name="allAsids"/> false) and CMD_TLBI_NH_VAA (true).</summary>
    /// <param name="asid">The ASID (ignored with <paramref name="allAsids"/>).</param>
    /// <param name="allAsids">Every ASID.</param>
    /// <param name="va">The address (bits 11:0 zero).</param>
    /// <param name="rangeSize">Bytes of a range invalidation; 0 for the single-address form.</param>
    public void InvalidateVa(ushort asid, bool allAsids, ulong va, ulong rangeSize)
    {
        lock (_lock)
        {
            _sequence++;
            if (rangeSize == 0 && !allAsids && _globalEntries == 0)
            {
                foreach (int shift in s_pageShifts)
                {
                    RemoveLocked(new Key(asid, va >> shift, shift));
                }
                return;
            }
            ulong last = rangeSize == 0 ? va : va + (rangeSize - 1);
            foreach (var (key, e) in _entries)
            {
                if (!allAsids && key.Asid != asid && !e.Global)
                {
                    continue;
                }
                ulong pageFirst = key.PageNumber << key.PageShift;
                ulong pageLast = pageFirst + ((1UL << key.PageShift) - 1);
                if (pageFirst <= last && va <= pageLast)
                {
                    RemoveLocked(key);
                }
            }
        }
    }

    /// <summary>Removes an entry; its slot in the fill order goes stale and is skipped by eviction.</summary>
    private void RemoveLocked(Key key)
    {
        Debug.Assert(_lock.IsHeldByCurrentThread);
        if (_entries.Remove(key, out IotlbEntry removed) && removed.Global)
        {
            _globalEntries--;
        }
    }
}

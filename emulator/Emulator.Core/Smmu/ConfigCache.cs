using System.Diagnostics;

namespace Emulator.Core.Smmu;

/// <summary>
/// The SMMU's configuration cache: decoded STEs by StreamID and decoded CDs by (StreamID, CD index).
/// Once an entry is cached, changes to the table in memory are not seen until the matching CMD_CFGI_*
/// removes it — the staleness software must manage, and that tests observe.
/// </summary>
/// <remarks>
/// <para>SMMUv3 §4.3 (configuration invalidation) and §3.21 (caching of structures). Only legal,
/// valid structures are cached (an STE or CD with V 0 is re-read on every use, which the architecture
/// permits). Level-1 descriptors (L1STD, L1CD) are not cached: every STE or CD miss walks them again,
/// so CMD_CFGI_*.Leaf has nothing extra to invalidate. Invalidating an STE (CMD_CFGI_STE,
/// CMD_CFGI_STE_RANGE, CMD_CFGI_ALL) also drops the CDs cached for that StreamID, since they were
/// located through it (QEMU's <c>smmu_configs_inv_sid_range</c> does the same).</para>
/// <para><b>Fill race.</b> A lookup that misses reads memory without the lock and inserts afterwards;
/// an invalidation in between would be undone by inserting what was read before it. So a miss notes
/// <see cref="Sequence"/> before reading and the insert is dropped if any invalidation ran since
/// (the <c>invalidate_seq</c> idea of Linux <c>mmu_notifier.c</c>).</para>
/// <para>When full, the cache is emptied (a cache may drop entries at any time).</para>
/// </remarks>
internal sealed class ConfigCache
{
    /// <summary>Guards every field below. Leaf lock.</summary>
    private readonly Lock _lock = new();
    private readonly Dictionary<uint, StreamTableEntry> _stes = [];
    private readonly Dictionary<ulong, ContextDescriptor> _cds = [];
    private readonly int _capacity;
    private ulong _sequence;
    private long _fetches;

    public ConfigCache(int capacity) => _capacity = capacity;

    /// <summary>Invalidation count: read before fetching from memory, passed back to the Add methods.</summary>
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

    /// <summary>STEs and CDs read from memory.</summary>
    public long Fetches => Interlocked.Read(ref _fetches);

    /// <summary>Counts one structure read from memory.</summary>
    public void CountFetch() => Interlocked.Increment(ref _fetches);

    public bool TryGetSte(uint sid, out StreamTableEntry ste)
    {
        lock (_lock)
        {
            return _stes.TryGetValue(sid, out ste);
        }
    }

    public bool TryGetCd(uint sid, uint ssid, out ContextDescriptor cd)
    {
        lock (_lock)
        {
            return _cds.TryGetValue(Key(sid, ssid), out cd);
        }
    }

    /// <summary>Caches <paramref name="ste"/> unless an invalidation ran since <paramref name="sequence"/> was read.</summary>
    public void AddSte(uint sid, in StreamTableEntry ste, ulong sequence)
    {
        lock (_lock)
        {
            if (sequence == _sequence)
            {
                MakeRoomLocked();
                _stes[sid] = ste;
            }
        }
    }

    /// <summary>Caches <paramref name="cd"/> unless an invalidation ran since <paramref name="sequence"/> was read.</summary>
    public void AddCd(uint sid, uint ssid, in ContextDescriptor cd, ulong sequence)
    {
        lock (_lock)
        {
            if (sequence == _sequence)
            {
                MakeRoomLocked();
                _cds[Key(sid, ssid)] = cd;
            }
        }
    }

    /// <summary>CMD_CFGI_STE (<paramref name="range"/> -1: exactly <paramref name="sid"/>) and
    /// CMD_CFGI_STE_RANGE / CMD_CFGI_ALL (the 2^(range+1) StreamIDs around <paramref name="sid"/>, §4.3.2):
    /// the STEs and every CD cached under them.</summary>
    public void InvalidateStreamRange(uint sid, int range)
    {
        int shift = range + 1;
        lock (_lock)
        {
            _sequence++;
            foreach (uint cached in _stes.Keys)
            {
                if ((((ulong)cached ^ sid) >> shift) == 0)
                {
                    _stes.Remove(cached);
                }
            }
            foreach (ulong key in _cds.Keys)
            {
                if ((((key >> 32) ^ sid) >> shift) == 0)
                {
                    _cds.Remove(key);
                }
            }
        }
    }

    /// <summary>CMD_CFGI_CD (§4.3.3).</summary>
    public void InvalidateCd(uint sid, uint ssid)
    {
        lock (_lock)
        {
            _sequence++;
            _cds.Remove(Key(sid, ssid));
        }
    }

    /// <summary>CMD_CFGI_CD_ALL (§4.3.4): every CD cached for <paramref name="sid"/>.</summary>
    public void InvalidateCds(uint sid)
    {
        lock (_lock)
        {
            _sequence++;
            foreach (ulong key in _cds.Keys)
            {
                if ((uint)(key >> 32) == sid)
                {
                    _cds.Remove(key);
                }
            }
        }
    }

    private void MakeRoomLocked()
    {
        Debug.Assert(_lock.IsHeldByCurrentThread);
        if (_stes.Count + _cds.Count >= _capacity)
        {
            _stes.Clear();
            _cds.Clear();
        }
    }

    private static ulong Key(uint sid, uint ssid) => ((ulong)sid << 32) | ssid;
}

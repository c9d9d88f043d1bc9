using Emulator.Core.Diagnostics;
using Emulator.Core.Memory;
using NLog;

namespace Emulator.Core.Oracle;

/// <summary>
/// The stale-access half of the coherence oracle: every DMA through a cached translation is checked
/// against the lifetime of the frame the translation remembered.
/// </summary>
/// <remarks>
/// <para>A cached translation (an ATC or IOTLB entry) stores the <see cref="FrameAllocator.Generation"/> of
/// its frame when it was made. A DMA through it while that (pfn, generation) pair is no longer
/// <see cref="FrameAllocator.IsLive"/> — the frame was freed, or freed and handed to someone else — is a
/// stale access: the invalidation that should have removed the translation did not happen, or did not
/// complete, before the frame was freed. The oracle reports; it does not hide the bug: the caller performs
/// the access anyway, exactly as the hardware would.</para>
/// <para>It depends on <see cref="Memory"/> only, so every layer above can call it. The owner (the SMMU
/// driver) sets <see cref="History"/> so each record carries the recent command history.</para>
/// <para>Thread-safe. <see cref="CheckDma(uint, uint, ulong, ulong, uint, bool)"/> is the hot path: when the
/// frame is live it reads three words and increments one counter; it allocates only on a stale access.</para>
/// </remarks>
public sealed class CoherenceOracle
{
    /// <summary>Records kept by default; later ones are counted in <see cref="Dropped"/>.</summary>
    public const int DefaultCapacity = 1024;

    private static readonly Logger s_log = Log.For("oracle");

    private readonly FrameAllocator _frames;

    /// <summary>Guards <see cref="_records"/>. Leaf lock: <see cref="History"/> is called before it is taken.</summary>
    private readonly Lock _lock = new();
    private readonly List<StaleAccess> _records = [];

    private long _checked;
    private long _stale;
    private long _dropped;
    private long _violations;
    private readonly List<AtcViolation> _violationRecords = [];

    /// <summary>Creates an oracle over the frames of <paramref name="frames"/>.</summary>
    /// <param name="frames">The allocator whose generations translations remember.</param>
    /// <param name="capacity">Stale accesses kept (at least 1); the rest are only counted.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="capacity"/> is below 1.</exception>
    public CoherenceOracle(FrameAllocator frames, int capacity = DefaultCapacity)
    {
        ArgumentNullException.ThrowIfNull(frames);
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _frames = frames;
        Capacity = capacity;
    }

    /// <summary>Stale accesses kept in <see cref="StaleAccesses"/>.</summary>
    public int Capacity { get; }

    /// <summary>
    /// The recent command history, supplied by the owner (the SMMU driver), oldest first. Called once per
    /// stale access, on the DMA thread, with no oracle lock held; it must not call back into the oracle.
    /// Null: records carry an empty history.
    /// </summary>
    public Func<string[]>? History { get; set; }

    /// <summary>DMA accesses checked.</summary>
    public long Checked => Interlocked.Read(ref _checked);

    /// <summary>Stale accesses seen (kept or dropped).</summary>
    public long Stale => Interlocked.Read(ref _stale);

    /// <summary>Stale accesses seen beyond <see cref="Capacity"/> and not kept.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>Checks one DMA access through a cached translation of a 4 KiB page.</summary>
    /// <param name="sid">StreamID of the device.</param>
    /// <param name="pasid">The access's PASID (or <c>AtcEntry.NoPasid</c>).</param>
    /// <param name="va">The untranslated address.</param>
    /// <param name="pa">The translated address; its frame is the one the translation remembered.</param>
    /// <param name="rememberedGeneration">The entry's frame generation.</param>
    /// <param name="write">True for a DMA write.</param>
    /// <returns>true when the access is stale (it has been recorded).</returns>
    public bool CheckDma(uint sid, uint pasid, ulong va, ulong pa, uint rememberedGeneration, bool write) =>
        CheckDma(sid, pasid, va, pa, pa, rememberedGeneration, write);

    /// <summary>Checks one DMA access through a cached translation whose generation belongs to the frame at
    /// <paramref name="framePa"/> — for a ranged (large page) translation, the span's first frame.</summary>
    /// <returns>true when the access is stale (it has been recorded).</returns>
    public bool CheckDma(uint sid, uint pasid, ulong va, ulong pa, ulong framePa, uint rememberedGeneration, bool write)
    {
        Interlocked.Increment(ref _checked);
        ulong pfn = framePa >> Page.Shift;
        if (_frames.IsLive(pfn, rememberedGeneration))
        {
            return false;
        }
        Record(sid, pasid, va, pa, pfn, rememberedGeneration, write);
        return true;
    }

    /// <summary>Copies the kept stale accesses, oldest first.</summary>
    public StaleAccess[] StaleAccesses
    {
        get
        {
            lock (_lock)
            {
                return [.. _records];
            }
        }
    }

    /// <summary>ATC entries found granting more than the CPU page table (see <see cref="RecordViolation"/>).</summary>
    public long Violations => Interlocked.Read(ref _violations);

    /// <summary>The kept ATC-coherence violations, oldest first.</summary>
    public AtcViolation[] AtcViolations
    {
        get
        {
            lock (_lock)
            {
                return [.. _violationRecords];
            }
        }
    }

    /// <summary>
    /// Records that an ATC entry grants an access the CPU page table no longer grants, found by the
    /// post-operation check the composition root runs (the second half of the oracle).
    /// </summary>
    public void RecordViolation(uint sid, uint pasid, ulong va, ulong atcPa, string reason)
    {
        var v = new AtcViolation(sid, pasid, va, atcPa, reason, History?.Invoke() ?? []);
        Interlocked.Increment(ref _violations);
        lock (_lock)
        {
            if (_violationRecords.Count < Capacity)
            {
                _violationRecords.Add(v);
            }
            else
            {
                Interlocked.Increment(ref _dropped);
            }
        }
        s_log.Warn("{0}", v);
    }

    /// <summary>Forgets every record and zeroes the counters (tests, scenario boundaries).</summary>
    public void Reset()
    {
        lock (_lock)
        {
            _records.Clear();
            _violationRecords.Clear();
            Interlocked.Exchange(ref _violations, 0);
            Interlocked.Exchange(ref _checked, 0);
            Interlocked.Exchange(ref _stale, 0);
            Interlocked.Exchange(ref _dropped, 0);
        }
    }

    /// <summary>Forgets the kept records only; the counters stay.</summary>
    public void Clear()
    {
        lock (_lock)
        {
            _records.Clear();
        }
    }

    private void Record(uint sid, uint pasid, ulong va, ulong pa, ulong pfn, uint remembered, bool write)
    {
        uint current = pfn < _frames.Memory.FrameCount ? _frames.Generation(pfn) : 0;
        string[] history = History?.Invoke() ?? [];
        var access = new StaleAccess(sid, pasid, va, pa, pfn, remembered, current, write, history);
        Interlocked.Increment(ref _stale);
        bool kept;
        lock (_lock)
        {
            kept = _records.Count < Capacity;
            if (kept)
            {
                _records.Add(access);
            }
        }
        if (!kept)
        {
            Interlocked.Increment(ref _dropped);
        }
        s_log.Warn("{0}", access);
    }
}

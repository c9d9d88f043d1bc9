using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Emulator.Core.Threading;

namespace Emulator.Core.Pcie;

/// <summary>
/// The Address Translation Cache of one PCIe function: the translations its ATS Translation Requests
/// returned, tagged by PASID, kept until an ATS Invalidate Request (or capacity) removes them.
/// </summary>
/// <remarks>
/// <para><b>Layout.</b> 4 KiB translations live in a set-associative array indexed by a hash of (page
/// number, PASID) — global ones under one reserved key, so a lookup probes at most two sets. Ranged
/// translations (S = 1, 8 KiB..2^63 bytes; PCIe Base §10.2.3) live in a small fully associative array.
/// Within one scope — a PASID's own (non-global) translations, the global ones, or the untagged ones —
/// no two entries overlap: an insert first removes every entry of its scope that overlaps its span,
/// in both arrays ("the latest translation wins"). A lookup with a PASID prefers that PASID's own entry
/// to a global one.</para>
/// <para><b>Hits.</b> An entry serves a lookup of its own PASID, or of any PASID when it is Global; an
/// untagged lookup (<see cref="AtcEntry.NoPasid"/>) sees only untagged entries (the G bit is only defined
/// for requests with a PASID). It must also grant every right the access needs — R, W, Exe — and be for
/// the access's mode: <see cref="AtsPermissions.Privileged"/> must match exactly (a Privileged Mode
/// translation's rights say nothing about Non-Privileged accesses, and vice versa).</para>
/// <para><b>Replacement.</b> FIFO within a set (and within the ranged array): a free way if there is one,
/// else the way with the lowest insertion <see cref="AtcEntry.Sequence"/>. Re-inserting a translation
/// refreshes its age; hits do not, so lookups never write shared state (an LRU stamp would make every hit
/// a store into lines the invalidating thread scans). Replacing an entry of the same scope and span is
/// not an eviction.</para>
/// <para><b>Invalidation</b> (PCIe Base §10.3.1 Invalidate Request; SMMUv3 §4.5.1 CMD_ATC_INV), for
/// [address aligned down to 2^sizeLog2, + 2^sizeLog2) or everything (<see cref="AllAddresses"/>), removes
/// every selected entry that overlaps the range — a ranged entry goes whole even if only one byte of it
/// overlaps:</para>
/// <list type="bullet">
/// <item>without a PASID prefix (<see cref="AtcEntry.NoPasid"/>): every entry, of every PASID, global or
/// not. There is no way to invalidate only untagged entries; Linux <c>arm_smmu_atc_inv_to_cmd</c> relies
/// on this ("all ATC entries within the address range are invalidated, including those that were
/// requested with a PASID").</item>
/// <item>with a PASID prefix and Global Invalidate set: every entry requested with a PASID (any PASID,
/// global ones included); untagged entries stay.</item>
/// <item>with a PASID prefix and Global Invalidate clear: that PASID's non-global entries. Global entries
/// stay — they change only with the Global Invalidate bit, as global CPU TLB entries survive a
/// PCID-scoped flush.</item>
/// </list>
/// <para><b>Threads.</b> The device's DMA thread calls <see cref="Lookup"/> (its hit and miss counters are
/// plain increments, so one thread at a time). Every other member may be called from any thread:
/// invalidations arrive on the SMMU/backend thread while the DMA thread keeps translating. After an
/// invalidation returns, no lookup that starts afterwards hits a removed entry; a lookup never uses a
/// half-written entry (see <see cref="_seq"/>); and a fill whose translation was fetched before an
/// invalidation finished is discarded instead of resurrecting what the invalidation removed
/// (<see cref="BeginFill"/>/<see cref="TryInsert"/>, the <c>mmu_interval_read_begin</c>/<c>retry</c>
/// pattern).</para>
/// </remarks>
public sealed partial class Atc
{
    /// <summary><c>sizeLog2</c> of an invalidation of the whole address space (SMMUv3 CMD_ATC_INV Size 52
    /// is 4096 * 2^52 = 2^64 bytes).</summary>
    public const int AllAddresses = 64;

    private const ulong PageMask = (1UL << AtcEntry.MinSizeLog2) - 1;
    private const ulong DataValid = 1UL << 0;
    private const int DataRightsShift = 1; // bits 1..4: AtsPermissions
    private const ulong DataGlobal = 1UL << 5;
    private const int DataSizeShift = 6; // bits 6..11: SizeLog2
    private const ulong DataPaMask = ~PageMask;
    private const int RightsPrivileged = (int)AtsPermissions.Privileged;

    /// <summary>The hash key of global 4 KiB entries: not a 20-bit PASID, not <see cref="AtcEntry.NoPasid"/>.</summary>
    private const uint GlobalKey = 0xFFFF_FFFE;

    /// <summary>
    /// One cached translation. <c>Data</c> = pa (bits 63:12) | SizeLog2 &lt;&lt; 6 | <c>DataGlobal</c> |
    /// rights &lt;&lt; 1 | <c>DataValid</c>; <c>Data</c> = 0 marks a free slot. <c>Va</c> is the span's
    /// base; <c>Pasid</c> the requester's PASID (kept for global entries too, for dumps).
    /// </summary>
    private struct Slot
    {
        public ulong Va;
        public ulong Data;
        public uint Pasid;
        public uint FrameGeneration;
        public ulong Sequence;
    }

    /// <summary>Which entries an insert replaces or an invalidation removes.</summary>
    private enum Scope : byte
    {
        /// <summary>Non-global entries of one PASID (or the untagged ones, for <see cref="AtcEntry.NoPasid"/>).</summary>
        Pasid,

        /// <summary>Global entries.</summary>
        Global,

        /// <summary>Every entry requested with a PASID, global ones included.</summary>
        Tagged,

        /// <summary>Every entry.</summary>
        All,
    }

    private readonly Slot[] _small;
    private readonly Slot[] _ranged;
    private readonly int _setMask;
    private readonly int _ways;

    /// <summary>
    /// Seqlock over every slot, <see cref="_rangedUsed"/> and <see cref="_globalSmall"/>. Even =
    /// quiescent, odd = a writer is changing them.
    /// Rule: those are written only by a thread holding <see cref="_lock"/>, between an
    /// <see cref="Interlocked.Increment(ref uint)"/> to odd (<see cref="BeginWrite"/>) and a release store
    /// back to even (<see cref="EndWrite"/>). A reader reads the sequence (acquire), the slot words
    /// (acquire loads), then the sequence again; it uses what it read only if both reads are equal and
    /// even, and otherwise reads again (it does not miss: a spurious miss would send an extra ATS
    /// Translation Request and make the device's traffic depend on timing).
    /// </summary>
    private uint _seq;

    /// <summary>
    /// Invalidation sequence for <see cref="BeginFill"/> tokens: odd while an invalidation runs, advanced
    /// twice by each. Written only under <see cref="_lock"/>; inserts do not advance it, so fills of
    /// several outstanding translation requests do not cancel one another.
    /// </summary>
    private uint _fillSeq;

    /// <summary>Serialises every writer: the slots, <see cref="_rangedUsed"/>, <see cref="_globalSmall"/>,
    /// <see cref="_nextSequence"/>, <see cref="_seq"/>, <see cref="_fillSeq"/> and every counter but
    /// <see cref="_hits"/> and <see cref="_misses"/>. Leaf lock: nothing is called while it is held.</summary>
    private readonly OrderedLock _lock = new(LockRank.Leaf, "atc");

    /// <summary>Slots of <see cref="_ranged"/> that may be valid (a high-water mark). Under
    /// <see cref="_seq"/>.</summary>
    private int _rangedUsed;

    /// <summary>Valid global entries in <see cref="_small"/>; while 0 a lookup skips the global set.
    /// Under <see cref="_seq"/>.</summary>
    private int _globalSmall;

    /// <summary>The last <see cref="AtcEntry.Sequence"/> handed out. Under <see cref="_lock"/>.</summary>
    private ulong _nextSequence;

    private long _hits;
    private long _misses;
    private long _inserts;
    private long _evictions;
    private long _invalidations;
    private long _entriesInvalidated;
    private long _droppedFills;

    /// <summary>Creates an empty ATC.</summary>
    /// <param name="entries">4 KiB entries in all (ways × a power-of-two number of sets).</param>
    /// <param name="ways">Associativity of the 4 KiB array.</param>
    /// <param name="rangedEntries">Entries of the fully associative ranged array.</param>
    /// <exception cref="ArgumentOutOfRangeException">See <see cref="AtcGeometry"/>.</exception>
    public Atc(int entries = AtcGeometry.DefaultEntries, int ways = AtcGeometry.DefaultWays,
        int rangedEntries = AtcGeometry.DefaultRangedEntries)
        : this(new AtcGeometry(entries, ways, rangedEntries))
    {
    }

    /// <summary>Creates an empty ATC of the given shape.</summary>
    public Atc(AtcGeometry geometry)
    {
        ArgumentNullException.ThrowIfNull(geometry);
        Geometry = geometry;
        _small = new Slot[geometry.Entries];
        _ranged = new Slot[geometry.RangedEntries];
        _setMask = geometry.Sets - 1;
        _ways = geometry.Ways;
    }

    public AtcGeometry Geometry { get; }

    /// <summary>Lookups that hit.</summary>
    public long Hits => Volatile.Read(ref _hits);

    /// <summary>Lookups that missed: no entry, or one without the rights or mode the access needs.</summary>
    public long Misses => Volatile.Read(ref _misses);

    /// <summary>Translations cached (inserts, and fills that were not dropped).</summary>
    public long Inserts => Volatile.Read(ref _inserts);

    /// <summary>Valid entries removed to make room (not replacements of the same translation).</summary>
    public long Evictions => Volatile.Read(ref _evictions);

    /// <summary>Invalidation operations: <see cref="Invalidate(uint, ulong, int, bool)"/>,
    /// <see cref="InvalidatePasid"/> and <see cref="InvalidateAll"/> calls.</summary>
    public long Invalidations => Volatile.Read(ref _invalidations);

    /// <summary>Entries those invalidations removed.</summary>
    public long EntriesInvalidated => Volatile.Read(ref _entriesInvalidated);

    /// <summary>Fills <see cref="TryInsert"/> discarded because an invalidation ran since their token.</summary>
    public long DroppedFills => Volatile.Read(ref _droppedFills);

    /// <summary>The fast path: translates <paramref name="va"/> for <paramref name="pasid"/> if a cached
    /// entry covers it and allows <paramref name="needed"/>. DMA thread only; allocates nothing.</summary>
    /// <param name="pasid">The access's PASID, or <see cref="AtcEntry.NoPasid"/>.</param>
    /// <param name="va">The untranslated byte address.</param>
    /// <param name="needed">R/W/Exe the access needs, and <see cref="AtsPermissions.Privileged"/> for a
    /// Privileged Mode access.</param>
    /// <param name="pa">On a hit, the translated byte address (entry.Pa + offset in the span); else 0.</param>
    /// <param name="entry">On a hit, the entry that served it (for the oracle's frame generation); else default.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool Lookup(uint pasid, ulong va, AtsPermissions needed, out ulong pa, out AtcEntry entry)
    {
        if (Find(pasid, va, out Slot s) && Permits(s.Data, needed))
        {
            _hits++;
            int sizeLog2 = (int)(s.Data >> DataSizeShift) & 0x3F;
            pa = (s.Data & DataPaMask) | (va & ((1UL << sizeLog2) - 1));
            entry = ToEntry(s);
            return true;
        }
        _misses++;
        pa = 0;
        entry = default;
        return false;
    }

    /// <summary>True when an entry (with any rights) would serve <paramref name="va"/> for
    /// <paramref name="pasid"/>. Any thread; counts nothing.</summary>
    public bool Contains(uint pasid, ulong va) => Find(pasid, va, out _);

    /// <summary>Valid entries now. Any thread.</summary>
    public int Count
    {
        get
        {
            using (_lock.Enter())
            {
                int n = 0;
                foreach (ref readonly Slot s in _small.AsSpan())
                {
                    n += s.Data != 0 ? 1 : 0;
                }
                foreach (ref readonly Slot s in _ranged.AsSpan(0, _rangedUsed))
                {
                    n += s.Data != 0 ? 1 : 0;
                }
                return n;
            }
        }
    }

    /// <summary>A rights check: R/W/Exe of <paramref name="needed"/> all granted, Privileged equal.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool Permits(ulong data, AtsPermissions needed)
    {
        int granted = (int)(data >> DataRightsShift) & 0xF;
        int want = (int)needed;
        return ((granted ^ want) & RightsPrivileged) == 0 && (want & ~granted) == 0;
    }

    private static AtcEntry ToEntry(in Slot s) =>
        new(s.Pasid, s.Va, (int)(s.Data >> DataSizeShift) & 0x3F, s.Data & DataPaMask,
            (AtsPermissions)((s.Data >> DataRightsShift) & 0xF), (s.Data & DataGlobal) != 0, s.FrameGeneration, s.Sequence);

    /// <summary>The set of 4 KiB page <paramref name="vpn"/> under hash key <paramref name="key"/> (a PASID,
    /// <see cref="AtcEntry.NoPasid"/> or <see cref="GlobalKey"/>). For one key, consecutive pages fall in
    /// consecutive-modulo-XOR, hence distinct, sets; the odd multiplier spreads PASIDs that share a va.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private int SetIndex(ulong vpn, uint key) => (int)((uint)vpn ^ (key * 0x9E37_79B1u)) & _setMask;

    /// <summary>Finds the entry a lookup would use, ignoring rights, as one consistent snapshot.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool Find(uint pasid, ulong va, out Slot found)
    {
        uint seq = Volatile.Read(ref _seq);
        if ((seq & 1) == 0)
        {
            bool hit = Probe(pasid, va, out found);
            if (Volatile.Read(ref _seq) == seq)
            {
                return hit;
            }
        }
        return FindContended(pasid, va, out found);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private bool FindContended(uint pasid, ulong va, out Slot found)
    {
        var spin = new SpinWait();
        while (true)
        {
            // A writer holds the lock only for a bounded scan and calls nothing, so this ends.
            spin.SpinOnce(sleep1Threshold: -1);
            uint seq = Volatile.Read(ref _seq);
            if ((seq & 1) == 0)
            {
                bool hit = Probe(pasid, va, out found);
                if (Volatile.Read(ref _seq) == seq)
                {
                    return hit;
                }
            }
        }
    }

    /// <summary>One unsynchronised pass; <see cref="Find"/> validates it against <see cref="_seq"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool Probe(uint pasid, ulong va, out Slot found)
    {
        ulong page = va & ~PageMask;
        ref Slot set = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(_small), SetIndex(va >> AtcEntry.MinSizeLog2, pasid) * _ways);
        for (int w = 0; w < _ways; w++)
        {
            ref Slot e = ref Unsafe.Add(ref set, w);
            ulong d = Volatile.Read(ref e.Data);
            if (d != 0 && (d & DataGlobal) == 0 && Volatile.Read(ref e.Va) == page && Volatile.Read(ref e.Pasid) == pasid)
            {
                found = Read(ref e, d);
                return true;
            }
        }
        if ((Volatile.Read(ref _rangedUsed) | Volatile.Read(ref _globalSmall)) != 0)
        {
            return ProbeRangedAndGlobal(pasid, va, out found);
        }
        found = default;
        return false;
    }

    private bool ProbeRangedAndGlobal(uint pasid, ulong va, out Slot found)
    {
        ref Slot ranged = ref MemoryMarshal.GetArrayDataReference(_ranged);
        int used = Volatile.Read(ref _rangedUsed);
        int globalIndex = -1;
        ulong globalData = 0;
        for (int i = 0; i < used; i++)
        {
            ref Slot e = ref Unsafe.Add(ref ranged, i);
            ulong d = Volatile.Read(ref e.Data);
            if (d == 0 || ((va ^ Volatile.Read(ref e.Va)) >> ((int)(d >> DataSizeShift) & 0x3F)) != 0)
            {
                continue;
            }
            if ((d & DataGlobal) == 0)
            {
                if (Volatile.Read(ref e.Pasid) == pasid)
                {
                    found = Read(ref e, d);
                    return true;
                }
            }
            else if (globalIndex < 0)
            {
                globalIndex = i;
                globalData = d;
            }
        }
        if (pasid != AtcEntry.NoPasid)
        {
            if (Volatile.Read(ref _globalSmall) != 0)
            {
                ulong page = va & ~PageMask;
                ref Slot set = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(_small), SetIndex(va >> AtcEntry.MinSizeLog2, GlobalKey) * _ways);
                for (int w = 0; w < _ways; w++)
                {
                    ref Slot e = ref Unsafe.Add(ref set, w);
                    ulong d = Volatile.Read(ref e.Data);
                    if ((d & DataGlobal) != 0 && Volatile.Read(ref e.Va) == page)
                    {
                        found = Read(ref e, d);
                        return true;
                    }
                }
            }
            if (globalIndex >= 0)
            {
                found = Read(ref Unsafe.Add(ref ranged, globalIndex), globalData);
                return true;
            }
        }
        found = default;
        return false;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Slot Read(ref Slot e, ulong data) => new()
    {
        Va = Volatile.Read(ref e.Va),
        Data = data,
        Pasid = Volatile.Read(ref e.Pasid),
        FrameGeneration = Volatile.Read(ref e.FrameGeneration),
        Sequence = Volatile.Read(ref e.Sequence),
    };

    private void BeginWrite()
    {
        _lock.AssertHeld();
        Debug.Assert((_seq & 1) == 0);
        // A full fence: the odd value is visible before any slot store that follows.
        Interlocked.Increment(ref _seq);
    }

    private void EndWrite()
    {
        _lock.AssertHeld();
        Debug.Assert((_seq & 1) != 0);
        // Release: every slot store above is visible before the even value.
        Volatile.Write(ref _seq, _seq + 1);
    }
}

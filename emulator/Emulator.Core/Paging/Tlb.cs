using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Emulator.Core.Memory;

namespace Emulator.Core.Paging;

/// <summary>
/// One vCPU's TLB: a set-associative array of 4 KiB translations and a small fully associative array
/// of 2 MiB / 1 GiB translations, tagged with the PCID.
/// </summary>
/// <remarks>
/// <para>SDM Vol. 3A §4.10. An entry caches the page frame and the combined rights of the walk that
/// filled it (R/W and U/S ANDed, XD ORed, the leaf's D and G — §4.10.2.2). The access-rights check is
/// applied on every hit with the current CR0.WP/SMEP/SMAP/NXE (<see cref="Options"/>), so toggling
/// WP needs no flush. A hit requires the cached rights to allow the access and, for a write, the
/// cached D to be 1; otherwise the lookup misses and the re-walk sets D or raises the right fault.
/// Global entries (leaf G = 1 with CR4.PGE) match every PCID.</para>
/// <para><b>Threads.</b> The owning vCPU thread calls <see cref="Lookup"/>, <see cref="TryLookup"/>,
/// <see cref="Options"/> and the counters. Any thread may call the insert and invalidation methods:
/// a TLB shootdown runs on the thread doing the unmap while the owner keeps translating.
/// After an invalidation returns, no lookup that starts afterwards hits an invalidated entry, and a
/// lookup never returns a half-written entry (see <see cref="_seq"/>). An insert whose walk started
/// before an invalidation is dropped (<see cref="BeginFill"/>/<see cref="TryInsert"/>), the
/// <c>mmu_interval_read_begin</c>/<c>retry</c> pattern: on hardware the shootdown IPI waits for the
/// instruction, and so for its fill, to finish.</para>
/// </remarks>
public sealed partial class Tlb
{
    private const ulong PageOffsetMask = Page.Mask;
    private const ulong DataValid = 1UL << 0;
    private const int DataRightsShift = 1; // bits 1..4: Translation.RightWritable/User/NoExecute/Dirty
    private const ulong DataGlobal = 1UL << 5;
    private const ulong DataLarge = 1UL << 6; // a 2 MiB or 1 GiB entry (large array)
    private const ulong DataHuge = 1UL << 7; // with DataLarge: 1 GiB

    /// <summary>
    /// One cached translation. <c>Tag</c> = page-aligned va | PCID (bits 11:0), kept even for global
    /// entries (which ignore it when matching); <c>Data</c> = page-base pa (bits 51:12) | the
    /// <c>Data*</c> flags. An entry with <c>Data</c> = 0 is invalid.
    /// </summary>
    private struct Entry
    {
        public ulong Tag;
        public ulong Data;
    }

    private readonly Entry[] _small;
    private readonly Entry[] _large;
    private readonly int _setMask;
    private readonly int _ways;

    /// <summary>
    /// Seqlock over every entry. Even = quiescent, odd = a writer is changing entries.
    /// Rule: entries are written only by a thread holding <see cref="_lock"/>, between an
    /// <see cref="Interlocked.Increment(ref uint)"/> to odd and a release store back to even.
    /// A reader (the owner's lookup) reads the sequence, the entry words (acquire loads), then the
    /// sequence again, and uses the entry only if both reads are equal and even — otherwise it
    /// misses, which is always safe (the walker re-walks). Any change, insert included, advances it,
    /// which is also what makes <see cref="BeginFill"/> tokens stale.
    /// </summary>
    private uint _seq;

    /// <summary>
    /// Advanced by every invalidation (never by an insert or an eviction), inside the write
    /// protocol, before the invalidation returns. A cache in front of the TLB (the CPU's micro-TLB,
    /// current code page and chaining cache) tags what it derived from a translation with the
    /// generation read before the lookup, and uses it only while the generation is unchanged: it then
    /// holds nothing an invalidation removed. Holding a translation the TLB has since evicted is
    /// allowed, as for any smaller TLB level in front of a larger one.
    /// </summary>
    private uint _generation;

    /// <summary>Serialises writers of <see cref="_small"/>, <see cref="_large"/>, <see cref="_largeUsed"/>,
    /// the victim cursors, <see cref="_seq"/> and <see cref="_generation"/>. Leaf lock: nothing is taken inside it.</summary>
    private readonly Lock _lock = new();

    /// <summary>Next way to evict in each set (round robin). Guarded by <see cref="_lock"/>.</summary>
    private readonly byte[] _victim;
    private int _largeVictim;

    /// <summary>Slots of <see cref="_large"/> that may be valid (a high-water mark); written under
    /// <see cref="_lock"/> inside the seqlock, read by lookups.</summary>
    private int _largeUsed;

    /// <summary>For each 4-bit rights value (W, U, NX, D), the set of <see cref="AccessType"/> values
    /// (bit n = access n) a hit may serve under <see cref="Options"/>. Owner thread only.</summary>
    private readonly ushort[] _allowed = new ushort[16];
    private WalkOptions _options;

    private long _hits;
    private long _misses;
    private long _droppedFills;

    /// <summary>Creates an empty TLB.</summary>
    /// <param name="sets">Sets of the 4 KiB array, a power of two (1..4096).</param>
    /// <param name="ways">Ways per set (1..16).</param>
    /// <param name="largeEntries">Entries of the fully associative 2 MiB / 1 GiB array (1..64).</param>
    /// <exception cref="ArgumentOutOfRangeException">A geometry parameter is out of range.</exception>
    public Tlb(int sets = 64, int ways = 4, int largeEntries = 16)
    {
        if (sets < 1 || sets > 4096 || (sets & (sets - 1)) != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(sets), sets, "sets must be a power of two, 1..4096");
        }
        if (ways < 1 || ways > 16)
        {
            throw new ArgumentOutOfRangeException(nameof(ways), ways, "ways must be 1..16");
        }
        if (largeEntries < 1 || largeEntries > 64)
        {
            throw new ArgumentOutOfRangeException(nameof(largeEntries), largeEntries, "largeEntries must be 1..64");
        }
        _small = new Entry[sets * ways];
        _victim = new byte[sets];
        _large = new Entry[largeEntries];
        _setMask = sets - 1;
        _ways = ways;
        Options = WalkOptions.Default;
    }

    public int Sets => _setMask + 1;
    public int Ways => _ways;
    public int LargeEntries => _large.Length;

    /// <summary>The control bits the access-rights check uses on a hit. Owner thread only.</summary>
    public WalkOptions Options
    {
        get => _options;
        set
        {
            _options = value;
            for (uint rights = 0; rights < 16; rights++)
            {
                ushort mask = 0;
                for (int access = 0; access < 16; access++)
                {
                    bool write = (access & (int)AccessType.Write) != 0;
                    if (PageWalker.Permits(rights, (AccessType)access, value) &&
                        (!write || (rights & Translation.RightDirty) != 0))
                    {
                        mask |= (ushort)(1 << access);
                    }
                }
                _allowed[rights] = mask;
            }
        }
    }

    /// <summary>Lookups that hit.</summary>
    public long Hits => Volatile.Read(ref _hits);

    /// <summary>Lookups that missed (no entry, rights insufficient, clean entry for a write, or a
    /// concurrent invalidation).</summary>
    public long Misses => Volatile.Read(ref _misses);

    /// <summary>Fills dropped by <see cref="TryInsert"/> because an invalidation ran during the walk.</summary>
    public long DroppedFills => Volatile.Read(ref _droppedFills);

    /// <summary>Zeroes the counters. Owner thread only.</summary>
    public void ResetCounters()
    {
        _hits = 0;
        _misses = 0;
        Volatile.Write(ref _droppedFills, 0);
    }

    /// <summary>The fast path: translates <paramref name="va"/> if a cached entry allows
    /// <paramref name="access"/>. Owner thread only.</summary>
    /// <param name="va">The linear address.</param>
    /// <param name="pcid">The current PCID (0 when CR4.PCIDE = 0).</param>
    /// <param name="access">The access being made.</param>
    /// <param name="pa">The physical address on a hit.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool Lookup(ulong va, ushort pcid, AccessType access, out ulong pa)
    {
        if (Find(va, pcid, access, out ulong data))
        {
            pa = (data & Pte.AddressMask4K) | (va & OffsetMask(data));
            return true;
        }
        pa = 0;
        return false;
    }

    /// <summary>As <see cref="Lookup"/>, returning the whole cached <see cref="Translation"/>
    /// (<see cref="Translation.FromTlb"/> set). Owner thread only.</summary>
    public bool TryLookup(ulong va, ushort pcid, AccessType access, out Translation translation)
    {
        if (Find(va, pcid, access, out ulong data))
        {
            int shift = (data & DataLarge) == 0 ? Page.Shift : (data & DataHuge) != 0 ? Page.HugeShift : Page.LargeShift;
            ulong offsetMask = (1UL << shift) - 1;
            byte rights = (byte)((data >> DataRightsShift) & 0xF);
            if ((data & DataGlobal) != 0)
            {
                rights |= Translation.RightGlobal;
            }
            translation = new Translation((data & Pte.AddressMask4K) | (va & offsetMask), shift, rights, 0, Pte.None, fromTlb: true);
            return true;
        }
        translation = default;
        return false;
    }

    /// <summary>A token for <see cref="TryInsert"/>: read it before starting the walk whose result
    /// will be inserted.</summary>
    public uint BeginFill() => Volatile.Read(ref _seq);

    /// <summary>The invalidation generation (see <see cref="_generation"/>).</summary>
    public uint Generation
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => Volatile.Read(ref _generation);
    }

    /// <summary>Caches <paramref name="translation"/> for <paramref name="va"/> unless the TLB changed
    /// since <paramref name="fillToken"/> was taken (an invalidation may have removed what the walk read).</summary>
    /// <returns>false when the fill was dropped.</returns>
    public bool TryInsert(in Translation translation, ulong va, ushort pcid, uint fillToken)
    {
        lock (_lock)
        {
            if (_seq != fillToken)
            {
                _droppedFills++;
                return false;
            }
            InsertLocked(translation, va, pcid);
            return true;
        }
    }

    /// <summary>Caches <paramref name="translation"/> for <paramref name="va"/> in <paramref name="pcid"/>,
    /// replacing any entry for the same page in that PCID (or a global one).</summary>
    public void Insert(in Translation translation, ulong va, ushort pcid)
    {
        lock (_lock)
        {
            InsertLocked(translation, va, pcid);
        }
    }

    /// <summary>INVLPG: removes the entries for the page containing <paramref name="va"/>
    /// in <paramref name="pcid"/> and global entries for it; a large-page entry containing
    /// <paramref name="va"/> goes whole (SDM Vol. 3A §4.10.4.1).</summary>
    public void InvalidatePage(ulong va, ushort pcid)
    {
        ulong page = va & ~PageOffsetMask;
        Invalidate(page, page | PageOffsetMask, pcid, global: true, nonGlobal: true);
    }

    /// <summary>A shootdown: removes every entry (any PCID, global or not) that maps any byte of
    /// [<paramref name="start"/>, <paramref name="end"/>).</summary>
    public void InvalidateRange(ulong start, ulong end)
    {
        if (end > start)
        {
            Invalidate(start, end - 1, -1, global: true, nonGlobal: true);
        }
    }

    /// <summary>MOV to CR3 / INVPCID type 1: removes the non-global entries of <paramref name="pcid"/>;
    /// with <paramref name="keepGlobal"/> false, every global entry too.</summary>
    public void InvalidatePcid(ushort pcid, bool keepGlobal)
    {
        Invalidate(0, ulong.MaxValue, pcid, global: !keepGlobal, nonGlobal: true);
    }

    /// <summary>INVPCID type 3: removes every non-global entry of every PCID.</summary>
    public void FlushNonGlobal()
    {
        Invalidate(0, ulong.MaxValue, -1, global: false, nonGlobal: true);
    }

    /// <summary>INVPCID type 2, CR4.PGE change: removes every entry.</summary>
    public void FlushAll()
    {
        lock (_lock)
        {
            BeginInvalidation();
            for (int i = 0; i < _small.Length; i++)
            {
                Volatile.Write(ref _small[i].Data, 0);
            }
            for (int i = 0; i < _large.Length; i++)
            {
                Volatile.Write(ref _large[i].Data, 0);
            }
            Volatile.Write(ref _largeUsed, 0);
            EndWrite();
        }
    }

    /// <summary>Offset bits of the page an entry's <c>Data</c> describes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong OffsetMask(ulong data) =>
        (data & DataLarge) == 0 ? PageOffsetMask : (data & DataHuge) != 0 ? Page.HugeSize - 1 : Page.LargeSize - 1;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool Find(ulong va, ushort pcid, AccessType access, out ulong data)
    {
        uint seq = Volatile.Read(ref _seq);
        ulong page = va & ~PageOffsetMask;
        ref Entry set = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(_small), ((int)(va >> Page.Shift) & _setMask) * _ways);
        ulong d = 0;
        for (int w = 0; w < _ways; w++)
        {
            ref Entry e = ref Unsafe.Add(ref set, w);
            ulong tag = Volatile.Read(ref e.Tag);
            if ((tag ^ page) <= PageOffsetMask)
            {
                ulong candidate = Volatile.Read(ref e.Data);
                if (candidate != 0 && ((candidate & DataGlobal) != 0 || (tag & PageOffsetMask) == pcid))
                {
                    d = candidate;
                    break;
                }
            }
        }
        if (d == 0 && Volatile.Read(ref _largeUsed) != 0)
        {
            d = FindLarge(va, pcid);
        }
        if (d != 0 &&
            ((Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(_allowed), (int)(d >> DataRightsShift) & 0xF) >> ((int)access & 0xF)) & 1) != 0 &&
            (seq & 1) == 0 && Volatile.Read(ref _seq) == seq)
        {
            _hits++;
            data = d;
            return true;
        }
        _misses++;
        data = 0;
        return false;
    }

    private ulong FindLarge(ulong va, ushort pcid)
    {
        int used = Volatile.Read(ref _largeUsed);
        for (int i = 0; i < used; i++)
        {
            ref Entry e = ref _large[i];
            ulong data = Volatile.Read(ref e.Data);
            if (data == 0)
            {
                continue;
            }
            ulong tag = Volatile.Read(ref e.Tag);
            ulong baseMask = (data & DataHuge) != 0 ? ~(Page.HugeSize - 1) : ~(Page.LargeSize - 1);
            if (((tag ^ va) & baseMask) == 0 && ((data & DataGlobal) != 0 || (tag & PageOffsetMask) == pcid))
            {
                return data;
            }
        }
        return 0;
    }

    private void InsertLocked(in Translation t, ulong va, ushort pcid)
    {
        Debug.Assert(_lock.IsHeldByCurrentThread);
        Debug.Assert(pcid <= PageOffsetMask, "PCID is 12 bits");
        Debug.Assert((t.PhysicalAddress & (t.PageSize - 1)) == (va & (t.PageSize - 1)), "translation is not for this va");
        ulong data = (t.PageBase & Pte.AddressMask4K) | DataValid | ((ulong)(t.Rights & 0xF) << DataRightsShift);
        bool global = t.Global;
        if (global)
        {
            data |= DataGlobal;
        }
        BeginWrite();
        if (t.PageShift == Page.Shift)
        {
            ulong page = va & ~PageOffsetMask;
            int setIndex = (int)(va >> Page.Shift) & _setMask;
            int first = setIndex * _ways;
            int slot = -1;
            int free = -1;
            for (int w = 0; w < _ways; w++)
            {
                ref Entry e = ref _small[first + w];
                if (e.Data == 0)
                {
                    free = free < 0 ? w : free;
                }
                else if ((e.Tag ^ page) <= PageOffsetMask && (global || (e.Data & DataGlobal) != 0 || (e.Tag & PageOffsetMask) == pcid))
                {
                    // Same page, same address space: replace it (and drop any further duplicate).
                    if (slot < 0)
                    {
                        slot = w;
                    }
                    else
                    {
                        Volatile.Write(ref e.Data, 0);
                    }
                }
            }
            if (slot < 0)
            {
                slot = free;
            }
            if (slot < 0)
            {
                slot = _victim[setIndex];
                _victim[setIndex] = (byte)((slot + 1) % _ways);
            }
            Write(ref _small[first + slot], page | pcid, data);
        }
        else
        {
            data |= DataLarge | (t.PageShift == Page.HugeShift ? DataHuge : 0);
            ulong baseVa = va & ~(t.PageSize - 1);
            int slot = -1;
            int free = -1;
            for (int i = 0; i < _large.Length; i++)
            {
                ref Entry e = ref _large[i];
                if (e.Data == 0)
                {
                    free = free < 0 ? i : free;
                    continue;
                }
                ulong size = (e.Data & DataHuge) != 0 ? Page.HugeSize : Page.LargeSize;
                bool overlaps = (e.Tag & ~(size - 1)) <= baseVa + (t.PageSize - 1) && baseVa <= (e.Tag & ~(size - 1)) + (size - 1);
                if (overlaps && (global || (e.Data & DataGlobal) != 0 || (e.Tag & PageOffsetMask) == pcid))
                {
                    if (slot < 0)
                    {
                        slot = i;
                    }
                    else
                    {
                        Volatile.Write(ref e.Data, 0);
                    }
                }
            }
            if (slot < 0)
            {
                slot = free;
            }
            if (slot < 0)
            {
                slot = _largeVictim;
                _largeVictim = (slot + 1) % _large.Length;
            }
            Write(ref _large[slot], baseVa | pcid, data);
            if (slot >= _largeUsed)
            {
                Volatile.Write(ref _largeUsed, slot + 1);
            }
        }
        EndWrite();
    }

    private void Write(ref Entry e, ulong tag, ulong data)
    {
        Debug.Assert(_lock.IsHeldByCurrentThread && (_seq & 1) != 0);
        Volatile.Write(ref e.Tag, tag);
        Volatile.Write(ref e.Data, data);
    }

    private void BeginWrite()
    {
        Debug.Assert(_lock.IsHeldByCurrentThread && (_seq & 1) == 0);
        // A full fence: the odd value is visible before any entry store that follows.
        Interlocked.Increment(ref _seq);
    }

    /// <summary><see cref="BeginWrite"/> for a write that removes entries: also advances
    /// <see cref="_generation"/>, so every cache in front of the TLB is stale from here on.</summary>
    private void BeginInvalidation()
    {
        BeginWrite();
        Interlocked.Increment(ref _generation);
    }

    private void EndWrite()
    {
        Debug.Assert(_lock.IsHeldByCurrentThread && (_seq & 1) != 0);
        // Release: every entry store above is visible before the even value.
        Volatile.Write(ref _seq, _seq + 1);
    }
}

using Emulator.Core.Diagnostics;
using System.Diagnostics;
using Emulator.Core.Memory;
using Emulator.Core.Notifiers;
using Emulator.Core.Paging;

namespace Emulator.Core.Mm;

public sealed partial class AddressSpace
{
    private const int EntriesPerTable = 512;

    /// <summary>Bytes of address space one entry at <paramref name="level"/> maps (level 1 = PTE).</summary>
    private static ulong EntrySpan(int level) => 1UL << (Page.Shift + 9 * (level - 1));

    private static ulong IndexAt(ulong va, int level) => (va >> (Page.Shift + 9 * (level - 1))) & (EntriesPerTable - 1);

    /// <summary>
    /// Physical address of the leaf entry for <paramref name="va"/>; with <paramref name="allocate"/>
    /// missing tables are allocated (zeroed).
    /// </summary>
    /// <returns>Ok; ENOENT when a table is missing and not allocating; ENOMEM when out of frames.</returns>
    private Errno LeafSlot(ulong va, bool allocate, out ulong slotPa)
    {
        MmapLock.AssertHeld();
        ulong table = _rootPfn << Page.Shift;
        for (int level = _levels; level > 1; level--)
        {
            ulong entryPa = table + IndexAt(va, level) * 8;
            var e = new Pte(_memory.ReadU64(entryPa));
            if (!e.Present)
            {
                if (!allocate)
                {
                    slotPa = 0;
                    return Errno.ENOENT;
                }
                if (!_frames.TryAllocate(out ulong pfn))
                {
                    slotPa = 0;
                    return Errno.ENOMEM;
                }
                e = Pte.Table(pfn);
                _memory.WriteU64(entryPa, e.Raw);
            }
            table = e.Address;
        }
        slotPa = table + IndexAt(va, 1) * 8;
        return Errno.Ok;
    }

    /// <summary>
    /// The level-1 table (page of PTEs) covering <paramref name="va"/>, or 0 when missing;
    /// <paramref name="spanEnd"/> is where the table's (or the missing region's) span ends, saturated
    /// at the top of the address space.
    /// </summary>
    private ulong LeafTable(ulong va, out ulong spanEnd)
    {
        ulong table = _rootPfn << Page.Shift;
        for (int level = _levels; level > 1; level--)
        {
            var e = new Pte(_memory.ReadU64(table + IndexAt(va, level) * 8));
            if (!e.Present)
            {
                spanEnd = SpanEnd(va, level);
                return 0;
            }
            table = e.Address;
        }
        spanEnd = SpanEnd(va, 2);
        return table;
    }

    private static ulong SpanEnd(ulong va, int level)
    {
        ulong span = EntrySpan(level);
        ulong end = (va & ~(span - 1)) + span;
        return end == 0 ? ulong.MaxValue : end;
    }

    /// <summary>Builds a leaf entry for a user page of a VMA with <paramref name="prot"/>.</summary>
    private static Pte MakeLeaf(ulong pfn, Protection prot, bool writable, bool dirty)
    {
        if (prot == Protection.None)
        {
            return new Pte((pfn << Page.Shift) | Pte.SoftProtNone);
        }
        ulong flags = Pte.PresentBit | Pte.UserBit | Pte.AccessedBit;
        if (writable)
        {
            flags |= Pte.WritableBit;
        }
        if (dirty)
        {
            flags |= Pte.DirtyBit;
        }
        if ((prot & Protection.Exec) == 0)
        {
            flags |= Pte.NoExecuteBit;
        }
        return Pte.Leaf(pfn, flags);
    }

    /// <summary>True when the entry maps a frame (present, or PROT_NONE keeping its frame).</summary>
    private static bool OwnsFrame(Pte e) => e.Present || e.IsProtNone;

    /// <summary>One page at the base of each table unlinked by the current operation, as a span (empty when start ≥ end).
    /// Guarded by <see cref="MmapLock"/>.</summary>
    private ulong _freedTablesStart = ulong.MaxValue, _freedTablesEnd;

    /// <summary>The range to invalidate in secondary TLBs: [start, end) widened to reach every freed table.</summary>
    private (ulong Start, ulong End) TakeInvalidationSpan(ulong start, ulong end)
    {
        if (_freedTablesStart < _freedTablesEnd)
        {
            start = Math.Min(start, _freedTablesStart);
            end = Math.Max(end, _freedTablesEnd);
        }
        _freedTablesStart = ulong.MaxValue;
        _freedTablesEnd = 0;
        return (start, end);
    }

    private void Gather(ulong pfn)
    {
        if (_gatherCount == _gather.Length)
        {
            Array.Resize(ref _gather, _gather.Length * 2);
        }
        _gather[_gatherCount++] = pfn;
    }

    /// <summary>
    /// Removes every translation in [start, end) in shootdown order (see the class remarks) and, when
    /// <paramref name="freeTables"/>, also the page tables that only cover [floor, ceiling).
    /// </summary>
    /// <returns>Number of pages that were mapped.</returns>
    private long ZapLocked(ulong start, ulong end, MmuNotifierEvent ev, bool freeTables = false, ulong floor = 0, ulong ceiling = 0)
    {
        MmapLock.AssertHeld();
        Debug.Assert(_gatherCount == 0, "gather list not drained");
        var range = BeginInvalidate(start, end, ev);

        for (ulong va = start; va < end;)
        {
            ulong table = LeafTable(va, out ulong spanEnd);
            ulong stop = Math.Min(spanEnd, end);
            if (table != 0)
            {
                for (ulong v = va; v < stop; v += Page.Size)
                {
                    ulong slot = table + IndexAt(v, 1) * 8;
                    if (_memory.ReadU64(slot) == 0)
                    {
                        continue;
                    }
                    var old = new Pte(_memory.ExchangeU64(slot, 0));
                    if (OwnsFrame(old))
                    {
                        Gather(old.Pfn);
                    }
                }
            }
            va = stop;
        }
        long pages = _gatherCount;
        if (TraceEvents.On) TraceEvents.Emit(TraceEventId.PteChange, start, end, (ulong)pages, TraceEventCatalog.PteKindUnmap, this);
        int dataFrames = _gatherCount;
        if (freeTables && ceiling > floor)
        {
            FreeTablesIn(_rootPfn << Page.Shift, _levels, 0, floor, ceiling);
        }
        var (invStart, invEnd) = TakeInvalidationSpan(start, end);
        if (dataFrames > 0 || _gatherCount > dataFrames) // freed tables may sit in a device's walk cache
        {
            Shootdown(invStart, invEnd);
        }
        Notifiers.InvalidateRangeEnd(range);
        Stats.PagesUnmapped += pages;
        Stats.PageTablesFreed += _gatherCount - dataFrames;
        DrainGather();
        return pages;
    }

    /// <summary>Drops the references collected by the current operation; runs after the invalidation.</summary>
    private void DrainGather()
    {
        for (int i = 0; i < _gatherCount; i++)
        {
            _frames.Put(_gather[i]);
        }
        _gatherCount = 0;
    }

    /// <summary>
    /// Unlinks and gathers every table below <paramref name="tablePa"/> whose span lies entirely in
    /// [floor, ceiling) (Linux free_pgtables). Such a span has no VMA, so its leaves are already empty.
    /// </summary>
    private void FreeTablesIn(ulong tablePa, int level, ulong tableBase, ulong floor, ulong ceiling)
    {
        MmapLock.AssertHeld();
        ulong span = EntrySpan(level);
        for (int i = 0; i < EntriesPerTable; i++)
        {
            ulong b = tableBase + (ulong)i * span;
            ulong e = b + span - 1; // inclusive, never wraps inside one table
            if (e < floor || b >= ceiling)
            {
                continue;
            }
            ulong entryPa = tablePa + (ulong)i * 8;
            var entry = new Pte(_memory.ReadU64(entryPa));
            if (!entry.Present)
            {
                continue;
            }
            if (b >= floor && e <= ceiling - 1)
            {
                _memory.WriteU64(entryPa, 0);
                FreeSubtree(entry.Address, level - 1);
                // A walk cache may hold this table. Widen the invalidation by one page at an address
                // the table mapped, as Linux's pte_free_tlb does: a non-leaf invalidation by VA drops
                // every walk-cache entry covering that VA.
                _freedTablesStart = Math.Min(_freedTablesStart, b);
                _freedTablesEnd = Math.Max(_freedTablesEnd, b + Page.Size);
            }
            else if (level - 1 > 1)
            {
                FreeTablesIn(entry.Address, level - 1, b, floor, ceiling);
            }
        }
    }

    private void FreeSubtree(ulong tablePa, int level)
    {
        if (level > 1)
        {
            for (int i = 0; i < EntriesPerTable; i++)
            {
                var entry = new Pte(_memory.ReadU64(tablePa + (ulong)i * 8));
                if (entry.Present)
                {
                    FreeSubtree(entry.Address, level - 1);
                }
            }
        }
        else
        {
            for (int i = 0; i < EntriesPerTable; i++)
            {
                Debug.Assert(_memory.ReadU64(tablePa + (ulong)i * 8) == 0, "freeing a page table that still maps a page");
            }
        }
        Gather(tablePa >> Page.Shift);
    }

    /// <summary>The gap page tables may be freed in once [start, end) has no VMA: from the previous
    /// VMA's end to the next one's start (Linux free_pgtables' floor and ceiling).</summary>
    private (ulong Floor, ulong Ceiling) TableGap(ulong start)
    {
        int i = FindIndex(start);
        Debug.Assert(i >= _vmas.Count || _vmas[i].Start >= start, "TableGap over a mapped range");
        ulong floor = i > 0 ? _vmas[i - 1].End : 0;
        ulong ceiling = i < _vmas.Count ? _vmas[i].Start : Mode.UserAddressEnd();
        return (floor, ceiling);
    }

    /// <summary>Step 1 of the shootdown order (class remarks): announce the change. Ranges the mm
    /// builds are blockable, so no subscriber may refuse.</summary>
    private MmuNotifierRange BeginInvalidate(ulong start, ulong end, MmuNotifierEvent ev)
    {
        var range = new MmuNotifierRange(this, start, end, ev);
        Notifiers.InvalidateRangeStart(range);
        Stats.RangeInvalidations++;
        return range;
    }

    /// <summary>Steps 3 and 4 of the shootdown order: every CPU TLB running this mm, then the
    /// secondary TLBs (IOTLB, ATC), which return only when done. Call after the entries changed and
    /// before anything they mapped is freed.</summary>
    private void Shootdown(ulong start, ulong end)
    {
        FlushCpuTlbs(start, end);
        Notifiers.ArchInvalidateSecondaryTlbs(start, end);
        Stats.SecondaryTlbInvalidations++;
    }

    /// <summary>Flushes the range from every vCPU TLB running this mm (flush_tlb_mm_range): single
    /// pages up to Linux's 33-page ceiling, the whole PCID beyond.</summary>
    private void FlushCpuTlbs(ulong start, ulong end)
    {
        if (_cpus.Count == 0)
        {
            return;
        }
        Stats.CpuTlbShootdowns++;
        foreach (var cpu in _cpus)
        {
            cpu.ShootdownRange(start, end);
        }
    }

    /// <summary>Applies <paramref name="update"/> to every frame-owning leaf in [start, end) with
    /// compare-and-exchange (a hardware walker may set A/D meanwhile); true if any entry changed.</summary>
    private bool UpdateLeaves(ulong start, ulong end, Func<Pte, Pte> update)
    {
        bool changed = false;
        for (ulong va = start; va < end;)
        {
            ulong table = LeafTable(va, out ulong spanEnd);
            ulong stop = Math.Min(spanEnd, end);
            if (table != 0)
            {
                for (ulong v = va; v < stop; v += Page.Size)
                {
                    ulong slot = table + IndexAt(v, 1) * 8;
                    while (true)
                    {
                        var old = new Pte(_memory.ReadU64(slot));
                        if (!OwnsFrame(old))
                        {
                            break;
                        }
                        var next = update(old);
                        if (next == old || _memory.CompareExchangeU64(slot, next.Raw, old.Raw) == old.Raw)
                        {
                            changed |= next != old;
                            break;
                        }
                    }
                }
            }
            va = stop;
        }
        if (changed && TraceEvents.On) TraceEvents.Emit(TraceEventId.PteChange, start, end, 0, TraceEventCatalog.PteKindProtect, this);
        return changed;
    }
}

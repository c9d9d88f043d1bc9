namespace Emulator.Core.Pcie;

/// <summary>The writers: fills, inserts and ATS invalidations. Each takes <see cref="_lock"/> and changes
/// slots only inside one <see cref="BeginWrite"/>/<see cref="EndWrite"/> window.</summary>
public sealed partial class Atc
{
    /// <summary>A token for <see cref="TryInsert"/>: take it before sending the Translation Request whose
    /// completion will be inserted.</summary>
    /// <remarks>Any invalidation that has not finished when the token is taken, or that starts before the
    /// fill, makes the token stale — whatever range or PASID it covered. That over-approximates (a needless
    /// re-request, never a stale entry) and keeps the check to one compare.</remarks>
    public uint BeginFill() => Volatile.Read(ref _fillSeq);

    /// <summary>Caches <paramref name="entry"/> unless an invalidation ran since <paramref name="fillToken"/>
    /// was taken: the translation may predate it, and inserting it would resurrect what the invalidation
    /// removed. The dropped fill is counted in <see cref="DroppedFills"/>; the device simply asks again.</summary>
    /// <returns>false when the fill was dropped.</returns>
    /// <exception cref="ArgumentException"><paramref name="entry"/> is not <see cref="AtcEntry.IsWellFormed"/>
    /// (the device layer validates completions before inserting them).</exception>
    public bool TryInsert(in AtcEntry entry, uint fillToken)
    {
        CheckWellFormed(entry);
        using (_lock.Enter())
        {
            if (_fillSeq != fillToken)
            {
                _droppedFills++;
                return false;
            }
            InsertLocked(entry);
            return true;
        }
    }

    /// <summary>Caches <paramref name="entry"/> whatever ran before (<see cref="BeginFill"/> and
    /// <see cref="TryInsert"/> back to back): for single-threaded use, tests and scenario setup. Replaces
    /// every entry of the same scope (the PASID's own, or the global ones) overlapping its span; its
    /// <see cref="AtcEntry.Sequence"/> is assigned here.</summary>
    /// <exception cref="ArgumentException"><paramref name="entry"/> is not <see cref="AtcEntry.IsWellFormed"/>.</exception>
    public void Insert(in AtcEntry entry)
    {
        CheckWellFormed(entry);
        using (_lock.Enter())
        {
            InsertLocked(entry);
        }
    }

    /// <summary>An ATS Invalidate Request with Global Invalidate clear; see
    /// <see cref="Invalidate(uint, ulong, int, bool)"/>.</summary>
    public int Invalidate(uint pasid, ulong address, int sizeLog2) => Invalidate(pasid, address, sizeLog2, globalInvalidate: false);

    /// <summary>An ATS Invalidate Request: removes the selected entries overlapping
    /// [<paramref name="address"/> aligned down to 2^<paramref name="sizeLog2"/>, + 2^<paramref name="sizeLog2"/>).</summary>
    /// <param name="pasid">The PASID prefix's PASID, or <see cref="AtcEntry.NoPasid"/> for a request
    /// without a prefix — which removes every entry in the range, of every PASID.</param>
    /// <param name="address">Any address in the span.</param>
    /// <param name="sizeLog2">log2 of the span in bytes, 12..63, or ≥ <see cref="AllAddresses"/> for all.</param>
    /// <param name="globalInvalidate">The prefix's Global Invalidate bit: every PASID's entries, global ones
    /// included. Ignored without a PASID (SMMUv3 CMD_ATC_INV.Global is IGNORED when SSV is 0).</param>
    /// <returns>Entries removed.</returns>
    /// <remarks>When it returns, no lookup that starts afterwards hits a removed entry, and every
    /// <see cref="BeginFill"/> token taken before the removal finished is stale. See the class remarks for the
    /// PCIe selection rules.</remarks>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="sizeLog2"/> below 12 (an ATS span is at
    /// least 4096 bytes).</exception>
    public int Invalidate(uint pasid, ulong address, int sizeLog2, bool globalInvalidate)
    {
        if (sizeLog2 < AtcEntry.MinSizeLog2)
        {
            throw new ArgumentOutOfRangeException(nameof(sizeLog2), sizeLog2, "an ATS invalidation covers at least 4096 bytes");
        }
        ulong first = 0;
        ulong last = ulong.MaxValue;
        if (sizeLog2 < AllAddresses)
        {
            ulong mask = (1UL << sizeLog2) - 1;
            first = address & ~mask;
            last = first | mask;
        }
        Scope scope = pasid == AtcEntry.NoPasid ? Scope.All : globalInvalidate ? Scope.Tagged : Scope.Pasid;
        return Remove(first, last, scope, pasid);
    }

    /// <summary>Removes every non-global entry of <paramref name="pasid"/> (for <see cref="AtcEntry.NoPasid"/>,
    /// every untagged entry): the device stopping its use of a PASID. Global entries stay.</summary>
    /// <returns>Entries removed.</returns>
    public int InvalidatePasid(uint pasid) => Remove(0, ulong.MaxValue, Scope.Pasid, pasid);

    /// <summary>Removes every entry.</summary>
    /// <returns>Entries removed.</returns>
    public int InvalidateAll() => Remove(0, ulong.MaxValue, Scope.All, 0);

    private static void CheckWellFormed(in AtcEntry entry)
    {
        if (!entry.IsWellFormed)
        {
            throw new ArgumentException($"malformed ATC entry ({entry}): 20-bit PASID, size 2^12..2^63, va and pa aligned to it, G only with a PASID", nameof(entry));
        }
    }

    private int Remove(ulong first, ulong last, Scope scope, uint pasid)
    {
        using (_lock.Enter())
        {
            // Odd while running: a token read now is stale as well (TryInsert, under the lock, sees even).
            Volatile.Write(ref _fillSeq, _fillSeq + 1);
            BeginWrite();
            int removed = RemoveSmall(first, last, scope, pasid) + RemoveRanged(first, last, scope, pasid);
            EndWrite();
            Volatile.Write(ref _fillSeq, _fillSeq + 1);
            _invalidations++;
            _entriesInvalidated += removed;
            return removed;
        }
    }

    private void InsertLocked(in AtcEntry entry)
    {
        _lock.AssertHeld();
        Scope scope = entry.Global ? Scope.Global : Scope.Pasid;
        ulong data = (entry.Pa & DataPaMask) | ((ulong)entry.SizeLog2 << DataSizeShift) |
            (entry.Global ? DataGlobal : 0) | ((ulong)((int)entry.Permissions & 0xF) << DataRightsShift) | DataValid;
        BeginWrite();
        ulong sequence = ++_nextSequence;
        if (!entry.IsRanged)
        {
            RemoveRanged(entry.Va, entry.Last, scope, entry.Pasid);
            int first = SetIndex(entry.Va >> AtcEntry.MinSizeLog2, entry.Global ? GlobalKey : entry.Pasid) * _ways;
            int way = ChooseWay(_small.AsSpan(first, _ways), entry.Va, entry.Va, scope, entry.Pasid);
            ref Slot target = ref _small[first + way];
            if ((target.Data & DataGlobal) != 0)
            {
                Volatile.Write(ref _globalSmall, _globalSmall - 1);
            }
            Write(ref target, entry, data, sequence);
            if (entry.Global)
            {
                Volatile.Write(ref _globalSmall, _globalSmall + 1);
            }
        }
        else
        {
            RemoveSmall(entry.Va, entry.Last, scope, entry.Pasid);
            // Offer one never-used slot beyond the high-water mark as free.
            int candidates = Math.Min(_rangedUsed + 1, _ranged.Length);
            int slot = ChooseWay(_ranged.AsSpan(0, candidates), entry.Va, entry.Last, scope, entry.Pasid);
            Write(ref _ranged[slot], entry, data, sequence);
            if (slot >= _rangedUsed)
            {
                Volatile.Write(ref _rangedUsed, slot + 1);
            }
        }
        _inserts++;
        EndWrite();
    }

    /// <summary>The slot of <paramref name="slots"/> to write a translation of [first, last] in
    /// <paramref name="scope"/> into: the first one of the same scope overlapping it (further ones are
    /// cleared — the insert replaces them), else the first free one, else the oldest (an eviction).</summary>
    private int ChooseWay(Span<Slot> slots, ulong first, ulong last, Scope scope, uint pasid)
    {
        _lock.AssertHeld();
        int same = -1;
        int free = -1;
        int oldest = -1;
        for (int i = 0; i < slots.Length; i++)
        {
            ref Slot e = ref slots[i];
            if (e.Data == 0)
            {
                free = free < 0 ? i : free;
            }
            else if (Overlaps(e, first, last) && Selected(e, scope, pasid))
            {
                if (same < 0)
                {
                    same = i;
                }
                else
                {
                    Clear(ref e);
                }
            }
            else if (oldest < 0 || e.Sequence < slots[oldest].Sequence)
            {
                oldest = i;
            }
        }
        if (same >= 0)
        {
            return same;
        }
        if (free >= 0)
        {
            return free;
        }
        _evictions++;
        return oldest;
    }

    /// <summary>Clears the selected 4 KiB entries whose page lies in [first, last].</summary>
    private int RemoveSmall(ulong first, ulong last, Scope scope, uint pasid)
    {
        _lock.AssertHeld();
        ulong firstPage = first >> AtcEntry.MinSizeLog2;
        ulong lastPage = last >> AtcEntry.MinSizeLog2;
        int removed = 0;
        if ((scope is Scope.Pasid or Scope.Global) && lastPage - firstPage <= (ulong)_setMask)
        {
            // Fewer pages than sets, and the scope has one hash key: only those pages' sets can hold them.
            uint key = scope == Scope.Global ? GlobalKey : pasid;
            for (ulong p = firstPage; ; p++)
            {
                Span<Slot> set = _small.AsSpan(SetIndex(p, key) * _ways, _ways);
                ulong page = p << AtcEntry.MinSizeLog2;
                foreach (ref Slot e in set)
                {
                    if (e.Data != 0 && e.Va == page && Selected(e, scope, pasid))
                    {
                        Clear(ref e);
                        removed++;
                    }
                }
                if (p == lastPage)
                {
                    break;
                }
            }
            return removed;
        }
        foreach (ref Slot e in _small.AsSpan())
        {
            if (e.Data != 0 && e.Va >= (first & ~PageMask) && e.Va <= last && Selected(e, scope, pasid))
            {
                Clear(ref e);
                removed++;
            }
        }
        return removed;
    }

    /// <summary>Clears the selected ranged entries overlapping [first, last] and lowers the high-water mark.</summary>
    private int RemoveRanged(ulong first, ulong last, Scope scope, uint pasid)
    {
        _lock.AssertHeld();
        int removed = 0;
        int highest = 0;
        Span<Slot> used = _ranged.AsSpan(0, _rangedUsed);
        for (int i = 0; i < used.Length; i++)
        {
            ref Slot e = ref used[i];
            if (e.Data == 0)
            {
                continue;
            }
            if (Overlaps(e, first, last) && Selected(e, scope, pasid))
            {
                Clear(ref e);
                removed++;
            }
            else
            {
                highest = i + 1;
            }
        }
        Volatile.Write(ref _rangedUsed, highest);
        return removed;
    }

    private static bool Overlaps(in Slot e, ulong first, ulong last)
    {
        ulong size = 1UL << ((int)(e.Data >> DataSizeShift) & 0x3F);
        return e.Va <= last && e.Va + (size - 1) >= first;
    }

    private static bool Selected(in Slot e, Scope scope, uint pasid) => scope switch
    {
        Scope.Pasid => (e.Data & DataGlobal) == 0 && e.Pasid == pasid,
        Scope.Global => (e.Data & DataGlobal) != 0,
        Scope.Tagged => e.Pasid != AtcEntry.NoPasid,
        _ => true,
    };

    private void Clear(ref Slot e)
    {
        _lock.AssertHeld();
        if ((e.Data & DataGlobal) != 0 && ((int)(e.Data >> DataSizeShift) & 0x3F) == AtcEntry.MinSizeLog2)
        {
            Volatile.Write(ref _globalSmall, _globalSmall - 1);
        }
        Volatile.Write(ref e.Data, 0);
    }

    private void Write(ref Slot e, in AtcEntry entry, ulong data, ulong sequence)
    {
        _lock.AssertHeld();
        // Data last, and any reader of a slot re-checks _seq, so the slot is never seen half-written.
        Volatile.Write(ref e.Data, 0);
        Volatile.Write(ref e.Va, entry.Va);
        Volatile.Write(ref e.Pasid, entry.Pasid);
        Volatile.Write(ref e.FrameGeneration, entry.FrameGeneration);
        Volatile.Write(ref e.Sequence, sequence);
        Volatile.Write(ref e.Data, data);
    }
}

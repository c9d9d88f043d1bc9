namespace Emulator.Core.Pcie;

/// <summary>Snapshots of the cached entries, for lockstep checks and the coherence oracle.</summary>
public sealed partial class Atc
{
    /// <summary>Appends every valid entry to <paramref name="into"/>, oldest insertion first: one
    /// consistent snapshot (taken under the writers' lock). Any thread.</summary>
    public void Dump(List<AtcEntry> into)
    {
        ArgumentNullException.ThrowIfNull(into);
        int start = into.Count;
        using (_lock.Enter())
        {
            foreach (ref readonly Slot s in _small.AsSpan())
            {
                if (s.Data != 0)
                {
                    into.Add(ToEntry(s));
                }
            }
            foreach (ref readonly Slot s in _ranged.AsSpan(0, _rangedUsed))
            {
                if (s.Data != 0)
                {
                    into.Add(ToEntry(s));
                }
            }
        }
        into.Sort(start, into.Count - start, BySequence.Instance);
    }

    /// <summary>
    /// Appends, oldest insertion first, the valid entries a lookup with <paramref name="pasid"/> could
    /// use whose span overlaps [<paramref name="start"/>, <paramref name="end"/>): that PASID's own
    /// (non-global) entries and the global entries of every PASID. The same entries, in the same order,
    /// as <see cref="Dump"/> filtered that way, as one consistent snapshot. Any thread.
    /// </summary>
    /// <remarks>The coherence oracle runs this after every invalidation with the range that changed, so
    /// it costs what the range costs, not what the cache holds: a range of fewer pages than there are
    /// sets probes only its pages' sets (where <see cref="InsertLocked"/> puts 4 KiB entries), as
    /// <see cref="RemoveSmall"/> does; wider ranges scan the whole array.</remarks>
    /// <param name="into">The list to append to.</param>
    /// <param name="pasid">The PASID, or <see cref="AtcEntry.NoPasid"/> for the untagged entries.</param>
    /// <param name="start">First byte of the range.</param>
    /// <param name="end">End of the range, exclusive; <see cref="ulong.MaxValue"/> reaches the top.</param>
    public void DumpOverlapping(List<AtcEntry> into, uint pasid, ulong start, ulong end)
    {
        ArgumentNullException.ThrowIfNull(into);
        if (end <= start)
        {
            return;
        }
        int first = into.Count;
        ulong last = end - 1;
        using (_lock.Enter())
        {
            ulong firstPage = start >> AtcEntry.MinSizeLog2;
            ulong lastPage = last >> AtcEntry.MinSizeLog2;
            if (lastPage - firstPage <= (ulong)_setMask)
            {
                bool globals = _globalSmall != 0;
                for (ulong p = firstPage; ; p++)
                {
                    ulong page = p << AtcEntry.MinSizeLog2;
                    foreach (ref readonly Slot s in _small.AsSpan(SetIndex(p, pasid) * _ways, _ways))
                    {
                        if (s.Data != 0 && (s.Data & DataGlobal) == 0 && s.Va == page && s.Pasid == pasid)
                        {
                            into.Add(ToEntry(s));
                        }
                    }
                    if (globals)
                    {
                        foreach (ref readonly Slot s in _small.AsSpan(SetIndex(p, GlobalKey) * _ways, _ways))
                        {
                            if ((s.Data & DataGlobal) != 0 && s.Va == page)
                            {
                                into.Add(ToEntry(s));
                            }
                        }
                    }
                    if (p == lastPage)
                    {
                        break;
                    }
                }
            }
            else
            {
                foreach (ref readonly Slot s in _small.AsSpan())
                {
                    if (s.Data != 0 && Visible(s, pasid) && Overlaps(s, start, last))
                    {
                        into.Add(ToEntry(s));
                    }
                }
            }
            foreach (ref readonly Slot s in _ranged.AsSpan(0, _rangedUsed))
            {
                if (s.Data != 0 && Visible(s, pasid) && Overlaps(s, start, last))
                {
                    into.Add(ToEntry(s));
                }
            }
        }
        if (into.Count - first > 1)
        {
            into.Sort(first, into.Count - first, BySequence.Instance);
        }
    }

    /// <summary>The entry serves some lookup with <paramref name="pasid"/>: its own, or global.</summary>
    private static bool Visible(in Slot s, uint pasid) => (s.Data & DataGlobal) != 0 || s.Pasid == pasid;

    private sealed class BySequence : IComparer<AtcEntry>
    {
        public static readonly BySequence Instance = new();

        public int Compare(AtcEntry x, AtcEntry y) => x.Sequence.CompareTo(y.Sequence);
    }
}

using Emulator.Core.Memory;
using Emulator.Core.Notifiers;
using Emulator.Core.Paging;

namespace Emulator.Core.Mm;

public sealed partial class AddressSpace
{
    /// <summary>
    /// Creates the child address space of fork: the same VMAs; shared mappings share frames; private
    /// pages are shared copy-on-write — write-protected in both, reference-counted, and copied on the
    /// first write. The parent's write-protection is a downgrade announced with
    /// <see cref="MmuNotifierEvent.ProtectionPage"/> in shootdown order. Notifier subscriptions are
    /// not inherited.
    /// </summary>
    /// <returns>ENOMEM when frames run out (nothing of the child remains), ESRCH when exited.</returns>
    public Errno Fork(out AddressSpace? child)
    {
        child = null;
        using (MmapLock.Enter())
        {
            if (!_live)
            {
                return Errno.ESRCH;
            }
            if (!TryCreate(_frames, _options, out var c))
            {
                return Errno.ENOMEM;
            }
            var ch = c!;
            using (ch.MmapLock.EnterNested(MmapLock))
            {
                ch._brk = _brk;
                foreach (var v in _vmas)
                {
                    v.Shared?.AddMapper();
                    ch._vmas.Add(v.CloneRange(v.Start, v.End));
                }
                var err = Errno.Ok;
                foreach (var v in _vmas)
                {
                    bool cow = v.Shared is null && (v.Prot & Protection.Write) != 0;
                    MmuNotifierRange range = default;
                    if (cow)
                    {
                        range = BeginInvalidate(v.Start, v.End, MmuNotifierEvent.ProtectionPage);
                    }
                    bool protectedAny = CopyRange(ch, v, ref err);
                    if (cow)
                    {
                        if (protectedAny)
                        {
                            Shootdown(v.Start, v.End);
                        }
                        Notifiers.InvalidateRangeEnd(range);
                    }
                    if (err != Errno.Ok)
                    {
                        break;
                    }
                }
                if (err != Errno.Ok)
                {
                    ch.TeardownLocked();
                    return err;
                }
            }
            child = ch;
            return Errno.Ok;
        }
    }

    /// <summary>copy_page_range for one VMA; true if any parent entry lost write permission.</summary>
    private bool CopyRange(AddressSpace child, Vma v, ref Errno err)
    {
        bool protectedAny = false;
        for (ulong va = v.Start; va < v.End;)
        {
            ulong table = LeafTable(va, out ulong spanEnd);
            ulong stop = Math.Min(spanEnd, v.End);
            if (table == 0)
            {
                va = stop;
                continue;
            }
            for (; va < stop; va += Page.Size)
            {
                ulong slot = table + IndexAt(va, 1) * 8;
                var e = new Pte(_memory.ReadU64(slot));
                if (!OwnsFrame(e))
                {
                    continue;
                }
                if (child.LeafSlot(va, allocate: true, out ulong childSlot) != Errno.Ok)
                {
                    err = Errno.ENOMEM;
                    return protectedAny;
                }
                if (v.Shared is null && e.Writable)
                {
                    // Clear W with compare-and-exchange: a device may be setting A/D right now.
                    while (true)
                    {
                        ulong seen = _memory.CompareExchangeU64(slot, e.Raw & ~Pte.WritableBit, e.Raw);
                        if (seen == e.Raw)
                        {
                            break;
                        }
                        e = new Pte(seen);
                    }
                    e = e.Without(Pte.WritableBit);
                    protectedAny = true;
                }
                _frames.Get(e.Pfn);
                _memory.WriteU64(childSlot, e.Raw);
            }
        }
        return protectedAny;
    }
}

using Emulator.Core.Diagnostics;
using Emulator.Core.Memory;
using Emulator.Core.Notifiers;
using Emulator.Core.Paging;

namespace Emulator.Core.Mm;

public sealed partial class AddressSpace
{
    /// <summary>
    /// Handles a page fault at <paramref name="va"/> for a CPU access or a device page request:
    /// demand-pages zero-filled memory, breaks copy-on-write on a write to a shared private page,
    /// or reports why the access is not allowed.
    /// </summary>
    public FaultResult HandleFault(ulong va, bool write, bool exec = false)
    {
        using (MmapLock.Enter())
        {
            return _live ? HandleFaultLocked(va, write, exec) : FaultResult.Dead;
        }
    }

    private static bool VmaAllows(Vma vma, bool write, bool exec)
    {
        if (vma.Prot == Protection.None)
        {
            return false;
        }
        if (write && (vma.Prot & Protection.Write) == 0)
        {
            return false;
        }
        return !exec || (vma.Prot & Protection.Exec) != 0;
    }

    private FaultResult HandleFaultLocked(ulong va, bool write, bool exec)
    {
        Stats.Faults++;
        var vma = VmaAt(va);
        if (vma is null)
        {
            return FaultResult.MapError;
        }
        if (!VmaAllows(vma, write, exec))
        {
            return FaultResult.AccessError;
        }
        ulong page = Page.AlignDown(va);
        if (LeafSlot(page, allocate: true, out ulong slot) != Errno.Ok)
        {
            return FaultResult.OutOfMemory;
        }
        var pte = new Pte(_memory.ReadU64(slot));
        bool vmaWritable = (vma.Prot & Protection.Write) != 0;
        if (!pte.Present)
        {
            ulong pfn;
            bool canWrite = vmaWritable;
            if (pte.IsProtNone)
            {
                // The VMA now allows access (mprotect rewrites such entries; be robust anyway).
                pfn = pte.Pfn;
                canWrite = vmaWritable && (vma.IsShared || _frames.RefCount(pfn) == 1);
            }
            else if (vma.Shared is { } obj)
            {
                if (!obj.TryGetPage(vma.PageOffsetOf(page), out pfn))
                {
                    return FaultResult.OutOfMemory;
                }
            }
            else if (!_frames.TryAllocate(out pfn))
            {
                return FaultResult.OutOfMemory;
            }
            // A new translation: nothing can have cached it, so no invalidation is needed.
            _memory.WriteU64(slot, MakeLeaf(pfn, vma.Prot, canWrite, dirty: write && canWrite).Raw);
            Stats.DemandPages++;
            return write && !canWrite ? HandleFaultLocked(va, write, exec) : FaultResult.Resolved;
        }
        if (write && !pte.Writable)
        {
            return WriteProtectFault(vma, page, slot, pte);
        }
        if (exec && pte.NoExecute)
        {
            return FaultResult.AccessError;
        }
        return FaultResult.Resolved; // spurious: another CPU or device resolved it, or a stale TLB
    }

    /// <summary>A write to a present read-only page of a writable VMA: reuse the page when this
    /// mapping is its only user, else copy it (do_wp_page).</summary>
    private FaultResult WriteProtectFault(Vma vma, ulong page, ulong slot, Pte pte)
    {
        ulong oldPfn = pte.Pfn;
        if (vma.IsShared || _frames.RefCount(oldPfn) == 1)
        {
            // Upgrade only: RO → RW on the same frame needs no invalidation; a stale read-only TLB
            // entry just faults again and lands here as spurious.
            SetBits(slot, Pte.WritableBit | Pte.DirtyBit | Pte.AccessedBit);
            Stats.CowReuses++;
            return FaultResult.Resolved;
        }
        if (!_frames.TryAllocate(out ulong newPfn))
        {
            return FaultResult.OutOfMemory;
        }
        _memory.Frame(oldPfn).CopyTo(_memory.Frame(newPfn));
        var range = BeginInvalidate(page, page + Page.Size, MmuNotifierEvent.Clear);
        _memory.ExchangeU64(slot, MakeLeaf(newPfn, vma.Prot, writable: true, dirty: true).Raw);
        if (TraceEvents.On) TraceEvents.Emit(TraceEventId.PteChange, page, page + Page.Size, 1, TraceEventCatalog.PteKindCow, this);
        Shootdown(page, page + Page.Size);
        Notifiers.InvalidateRangeEnd(range);
        _frames.Put(oldPfn);
        Stats.CowBreaks++;
        return FaultResult.Resolved;
    }

    private void SetBits(ulong slot, ulong bits)
    {
        while (true)
        {
            ulong old = _memory.ReadU64(slot);
            if ((old & bits) == bits || _memory.CompareExchangeU64(slot, old | bits, old) == old)
            {
                return;
            }
        }
    }
}

using Emulator.Core.Memory;
using Emulator.Core.Notifiers;

namespace Emulator.Core.Mm;

public sealed partial class AddressSpace
{
    /// <summary>
    /// Resizes or moves [oldAddr, oldAddr + oldSize) (mremap). Shrinking unmaps the tail; growing
    /// extends in place when the space after the VMA is free, or moves the mapping when
    /// <see cref="MremapFlags.MayMove"/> allows; <see cref="MremapFlags.Fixed"/> moves it to
    /// <paramref name="newAddr"/>, replacing what is there.
    /// </summary>
    /// <returns>EINVAL (unaligned, zero new size, bad flag combination, overlapping fixed target,
    /// DONTUNMAP and zero old size are not modelled), EFAULT (the old range is not inside one VMA),
    /// ENOMEM (cannot grow in place without MayMove, no room, or out of frames).</returns>
    public Errno Mremap(ulong oldAddr, ulong oldSize, ulong newSize, MremapFlags flags, ulong newAddr, out ulong result)
    {
        result = 0;
        if ((flags & ~(MremapFlags.MayMove | MremapFlags.Fixed)) != 0 || !Page.IsAligned(oldAddr) ||
            ((flags & MremapFlags.Fixed) != 0 && (flags & MremapFlags.MayMove) == 0))
        {
            return Errno.EINVAL;
        }
        if (!Page.TryAlignUp(oldSize, out oldSize) || !Page.TryAlignUp(newSize, out newSize) || newSize == 0 || oldSize == 0)
        {
            return Errno.EINVAL;
        }
        bool fixedTarget = (flags & MremapFlags.Fixed) != 0;
        if (fixedTarget && (!Page.IsAligned(newAddr) || !InUserRange(newAddr, newSize) ||
            (newAddr < oldAddr + oldSize && oldAddr < newAddr + newSize)))
        {
            return Errno.EINVAL;
        }
        using (MmapLock.Enter())
        {
            if (!_live)
            {
                return Errno.ESRCH;
            }
            var vma = VmaAt(oldAddr);
            if (vma is null || oldAddr > ulong.MaxValue - oldSize || oldAddr + oldSize > vma.End)
            {
                return Errno.EFAULT;
            }
            if (fixedTarget)
            {
                UnmapLocked(newAddr, newAddr + newSize);
                if (newSize < oldSize)
                {
                    UnmapLocked(oldAddr + newSize, oldAddr + oldSize);
                    oldSize = newSize;
                }
                return MoveLocked(oldAddr, oldSize, newAddr, newSize, out result);
            }
            if (newSize == oldSize)
            {
                result = oldAddr; // Linux returns at once: nothing to unmap, no VMA to split
                return Errno.Ok;
            }
            if (newSize <= oldSize)
            {
                UnmapLocked(oldAddr + newSize, oldAddr + oldSize);
                result = oldAddr;
                return Errno.Ok;
            }
            ulong oldEnd = oldAddr + oldSize;
            ulong grow = newSize - oldSize;
            if (oldEnd == vma.End && InUserRange(oldEnd, grow) && RangeIsFree(oldEnd, oldEnd + grow))
            {
                vma.End = oldEnd + grow;
                MergeAround(vma.Start, vma.End);
                result = oldAddr;
                return Errno.Ok;
            }
            if ((flags & MremapFlags.MayMove) == 0)
            {
                return Errno.ENOMEM;
            }
            ulong target = FindFreeArea(newSize);
            return target == 0 ? Errno.ENOMEM : MoveLocked(oldAddr, oldSize, target, newSize, out result);
        }
    }

    /// <summary>move_vma: the pages of [oldAddr, +oldSize) move to newAddr; the old range is
    /// invalidated (<see cref="MmuNotifierEvent.Unmap"/>) in shootdown order; the new one needs no
    /// invalidation since nothing was mapped there.</summary>
    private Errno MoveLocked(ulong oldAddr, ulong oldSize, ulong newAddr, ulong newSize, out ulong result)
    {
        result = 0;
        // Allocate the destination's page tables first so that running out of frames fails before
        // anything has changed.
        for (ulong off = 0; off < oldSize; off += off == 0 ? Page.LargeSize - (newAddr & (Page.LargeSize - 1)) : Page.LargeSize)
        {
            if (LeafSlot(newAddr + off, allocate: true, out _) == Errno.ENOMEM)
            {
                return Errno.ENOMEM;
            }
        }
        SplitAt(oldAddr);
        SplitAt(oldAddr + oldSize);
        var old = VmaAt(oldAddr)!;
        var moved = old.CloneRange(oldAddr, oldAddr + oldSize);
        moved.Start = newAddr;
        moved.End = newAddr + newSize;

        var range = BeginInvalidate(oldAddr, oldAddr + oldSize, MmuNotifierEvent.Unmap);
        bool any = false;
        for (ulong off = 0; off < oldSize; off += Page.Size)
        {
            if (LeafSlot(oldAddr + off, allocate: false, out ulong from) != Errno.Ok || _memory.ReadU64(from) == 0)
            {
                continue;
            }
            ulong entry = _memory.ExchangeU64(from, 0);
            LeafSlot(newAddr + off, allocate: false, out ulong to);
            _memory.WriteU64(to, entry);
            any = true;
        }
        _vmas.Remove(old);
        // Insert the destination before looking for empty tables: when it lies in the old range's
        // gap, its tables (now holding the moved entries) must not be taken for empty ones.
        InsertVma(moved); // takes over old's reference on a shared object
        var (floor, ceiling) = TableGap(oldAddr);
        if (ceiling > floor)
        {
            FreeTablesIn(_rootPfn << Page.Shift, _levels, 0, floor, ceiling); // unlink and gather
        }
        int tables = _gatherCount;
        // A device may have cached a walk through an unlinked table even with no leaf present:
        // invalidate after unlinking, before freeing, over every address the freed tables mapped.
        var (invStart, invEnd) = TakeInvalidationSpan(oldAddr, oldAddr + oldSize);
        if (any || tables > 0)
        {
            Shootdown(invStart, invEnd);
        }
        Notifiers.InvalidateRangeEnd(range);
        Stats.PageTablesFreed += tables;
        DrainGather();
        MergeAround(moved.Start, moved.End);
        result = newAddr;
        return Errno.Ok;
    }
}

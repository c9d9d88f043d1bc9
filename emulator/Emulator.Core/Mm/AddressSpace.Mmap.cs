using Emulator.Core.Memory;
using Emulator.Core.Notifiers;

namespace Emulator.Core.Mm;

public sealed partial class AddressSpace
{
    private const Protection KnownProt = Protection.Read | Protection.Write | Protection.Exec;
    private const MapFlags KnownMapFlags = MapFlags.SharedValidate | MapFlags.Fixed | MapFlags.Anonymous |
        MapFlags.GrowsDown | MapFlags.DenyWrite | MapFlags.Executable | MapFlags.Locked | MapFlags.NoReserve |
        MapFlags.Populate | MapFlags.NonBlock | MapFlags.Stack | MapFlags.HugeTlb | MapFlags.FixedNoReplace;

    /// <summary>
    /// Maps anonymous memory (mmap with fd -1). Without <see cref="MapFlags.Fixed"/> a non-zero
    /// <paramref name="addr"/> is a hint, used when that range is free.
    /// </summary>
    /// <returns>EINVAL (zero length, bad flags or protection, unaligned fixed address), EPERM (fixed
    /// address below <see cref="AddressSpaceOptions.MmapMin"/>), ENOMEM (no room,
    /// length overflow), EEXIST (FixedNoReplace over a mapping), EBADF (file mappings are not
    /// modelled), ESRCH (the mm exited).</returns>
    public Errno Mmap(ulong addr, ulong length, Protection prot, MapFlags flags, out ulong mapped)
    {
        mapped = 0;
        if (length == 0 || (prot & ~KnownProt) != 0)
        {
            return Errno.EINVAL;
        }
        var sharing = flags & MapFlags.SharedValidate;
        if (sharing == 0)
        {
            return Errno.EINVAL;
        }
        if (sharing == MapFlags.SharedValidate && (flags & ~KnownMapFlags) != 0)
        {
            return Errno.EOPNOTSUPP;
        }
        if ((flags & MapFlags.Anonymous) == 0)
        {
            Diagnostics.Log.Unimplemented.Debug("mm{0}: mmap of a file is not modelled (EBADF); map anonymous memory", Id);
            return Errno.EBADF;
        }
        if (!Page.TryAlignUp(length, out length))
        {
            return Errno.ENOMEM;
        }
        using (MmapLock.Enter())
        {
            if (!_live)
            {
                return Errno.ESRCH;
            }
            var err = PlaceLocked(addr, length, flags, out ulong va);
            if (err != Errno.Ok)
            {
                return err;
            }
            SharedMemoryObject? obj = null;
            if (sharing != MapFlags.Private)
            {
                obj = new SharedMemoryObject(_frames);
                obj.AddMapper();
            }
            InsertVma(new Vma(va, va + length, prot, obj, 0));
            MergeAround(va, va + length);
            if ((flags & MapFlags.Populate) != 0)
            {
                PopulateLocked(va, va + length, (prot & Protection.Write) != 0);
            }
            mapped = va;
            return Errno.Ok;
        }
    }

    /// <summary>
    /// mmap(MAP_SHARED) of an existing shared object — a tmpfs file or memfd the file layer keeps in a
    /// <see cref="SharedMemoryObject"/> — from page <paramref name="pgoff"/>: every mm mapping it, and the
    /// file's own reads and writes, see the same frames.
    /// </summary>
    /// <returns>As <see cref="Mmap"/>; EINVAL when <paramref name="flags"/> is not MAP_SHARED.</returns>
    public Errno MmapShared(ulong addr, ulong length, Protection prot, MapFlags flags, SharedMemoryObject obj, ulong pgoff, out ulong mapped)
    {
        ArgumentNullException.ThrowIfNull(obj);
        mapped = 0;
        if (length == 0 || (prot & ~KnownProt) != 0 || (flags & MapFlags.SharedValidate) == MapFlags.Private ||
            (flags & MapFlags.SharedValidate) == 0)
        {
            return Errno.EINVAL;
        }
        if (!Page.TryAlignUp(length, out length) || pgoff > ulong.MaxValue / Page.Size - (length >> Page.Shift))
        {
            return Errno.ENOMEM;
        }
        using (MmapLock.Enter())
        {
            if (!_live)
            {
                return Errno.ESRCH;
            }
            var err = PlaceLocked(addr, length, flags, out ulong va);
            if (err != Errno.Ok)
            {
                return err;
            }
            obj.AddMapper();
            InsertVma(new Vma(va, va + length, prot, obj, pgoff));
            MergeAround(va, va + length);
            if ((flags & MapFlags.Populate) != 0)
            {
                PopulateLocked(va, va + length, (prot & Protection.Write) != 0);
            }
            mapped = va;
            return Errno.Ok;
        }
    }

    /// <summary>Chooses where a new mapping of <paramref name="length"/> bytes goes: the fixed address
    /// (unmapping what is there, unless FixedNoReplace), else the hint when free, else a free area.</summary>
    private Errno PlaceLocked(ulong addr, ulong length, MapFlags flags, out ulong va)
    {
        va = 0;
        bool fixedMap = (flags & (MapFlags.Fixed | MapFlags.FixedNoReplace)) != 0;
        if (fixedMap)
        {
            if (!Page.IsAligned(addr))
            {
                return Errno.EINVAL;
            }
            if (addr < _options.MmapMin)
            {
                return Errno.EPERM; // below vm.mmap_min_addr, as Linux's security_mmap_addr answers
            }
            if (!InUserRange(addr, length))
            {
                return Errno.ENOMEM;
            }
            if (!RangeIsFree(addr, addr + length))
            {
                if ((flags & MapFlags.FixedNoReplace) != 0)
                {
                    return Errno.EEXIST;
                }
                UnmapLocked(addr, addr + length);
            }
            va = addr;
            return Errno.Ok;
        }
        ulong hint = Page.AlignDown(addr);
        va = hint != 0 && InUserRange(hint, length) && RangeIsFree(hint, hint + length) ? hint : FindFreeArea(length);
        return va == 0 ? Errno.ENOMEM : Errno.Ok;
    }

    /// <summary>Faults in every page of [start, end) (MAP_POPULATE); stops quietly at the first failure, as Linux does.</summary>
    private void PopulateLocked(ulong start, ulong end, bool write)
    {
        for (ulong va = start; va < end; va += Page.Size)
        {
            if (HandleFaultLocked(va, write, exec: false) != FaultResult.Resolved)
            {
                return;
            }
        }
    }

    /// <summary>Removes the mappings in [addr, addr + length). Unmapping a hole is not an error.</summary>
    /// <returns>EINVAL for an unaligned address, zero length or a range outside user space.</returns>
    public Errno Munmap(ulong addr, ulong length)
    {
        if (!Page.IsAligned(addr) || length == 0 || !Page.TryAlignUp(length, out length))
        {
            return Errno.EINVAL;
        }
        ulong userEnd = _options.UserEnd;
        if (addr > userEnd || length > userEnd - addr)
        {
            return Errno.EINVAL;
        }
        using (MmapLock.Enter())
        {
            if (!_live)
            {
                return Errno.ESRCH;
            }
            UnmapLocked(addr, addr + length);
            return Errno.Ok;
        }
    }

    /// <summary>munmap's body: drops the VMAs in [start, end), zaps the range in shootdown order and
    /// frees the page tables left covering only unmapped space.</summary>
    private void UnmapLocked(ulong start, ulong end)
    {
        MmapLock.AssertHeld();
        if (RangeIsFree(start, end))
        {
            return;
        }
        SplitAt(start);
        SplitAt(end);
        int i = FindIndex(start);
        int n = 0;
        while (i + n < _vmas.Count && _vmas[i + n].Start < end)
        {
            n++;
        }
        var removed = _vmas.GetRange(i, n);
        _vmas.RemoveRange(i, n);
        var (floor, ceiling) = TableGap(start);
        ZapLocked(start, end, MmuNotifierEvent.Unmap, freeTables: true, floor, ceiling);
        foreach (var v in removed)
        {
            v.Shared?.RemoveMapper();
        }
    }

    /// <summary>
    /// Moves the program break (brk). Returns the new break, or the old one when the request cannot
    /// be met (below the initial break, over another mapping, out of memory), as the Linux syscall does.
    /// </summary>
    public ulong Brk(ulong newBrk)
    {
        using (MmapLock.Enter())
        {
            if (!_live || newBrk < _options.BrkStart || newBrk > _options.UserEnd)
            {
                return _brk;
            }
            if (!Page.TryAlignUp(_brk, out ulong oldEnd) || !Page.TryAlignUp(newBrk, out ulong newEnd))
            {
                return _brk;
            }
            if (newEnd < oldEnd)
            {
                UnmapLocked(newEnd, oldEnd);
            }
            else if (newEnd > oldEnd)
            {
                if (!RangeIsFree(oldEnd, newEnd))
                {
                    return _brk;
                }
                InsertVma(new Vma(oldEnd, newEnd, Protection.ReadWrite, null, 0));
                MergeAround(oldEnd, newEnd);
            }
            _brk = newBrk;
            return _brk;
        }
    }
}

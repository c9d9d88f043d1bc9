using Emulator.Core.Memory;
using Emulator.Core.Notifiers;
using Emulator.Core.Paging;

namespace Emulator.Core.Mm;

public sealed partial class AddressSpace
{
    /// <summary>
    /// Moves the contents of every resident private page in [addr, addr + length) to a new frame, as
    /// compaction or NUMA balancing do: the old entries are cleared and invalidated
    /// (<see cref="MmuNotifierEvent.Migrate"/>) before the copy, the new entries installed after it,
    /// and the old frames freed last. Pages shared with another mapping (copy-on-write after fork, or
    /// MAP_SHARED) are skipped: this model keeps no reverse map to update their other mappers.
    /// </summary>
    /// <returns>EINVAL (unaligned), EFAULT (part of the range unmapped), ENOMEM (no frames for the
    /// copies; nothing was migrated).</returns>
    public Errno Migrate(ulong addr, ulong length, out int migrated, out int skipped)
    {
        migrated = skipped = 0;
        if (!Page.IsAligned(addr) || length == 0 || !Page.TryAlignUp(length, out length) || addr > ulong.MaxValue - length)
        {
            return Errno.EINVAL;
        }
        ulong end = addr + length;
        using (MmapLock.Enter())
        {
            if (!_live)
            {
                return Errno.ESRCH;
            }
            if (!RangeIsMapped(addr, end))
            {
                return Errno.EFAULT;
            }
            var slots = new List<(ulong Slot, ulong NewPfn)>();
            for (ulong va = addr; va < end; va += Page.Size)
            {
                if (LeafSlot(va, allocate: false, out ulong slot) != Errno.Ok)
                {
                    continue;
                }
                var e = new Pte(_memory.ReadU64(slot));
                if (!OwnsFrame(e))
                {
                    continue;
                }
                if (VmaAt(va)!.IsShared || _frames.RefCount(e.Pfn) != 1)
                {
                    skipped++;
                    continue;
                }
                if (!_frames.TryAllocate(out ulong fresh))
                {
                    foreach (var (_, p) in slots)
                    {
                        _frames.Put(p);
                    }
                    skipped = 0;
                    return Errno.ENOMEM;
                }
                slots.Add((slot, fresh));
            }
            if (skipped > 0)
            {
                Diagnostics.Log.Unimplemented.Debug("mm{0}: migrate skipped {1} shared pages (no reverse map)", Id, skipped);
            }
            if (slots.Count == 0)
            {
                return Errno.Ok;
            }
            var range = BeginInvalidate(addr, end, MmuNotifierEvent.Migrate);
            var olds = new ulong[slots.Count];
            for (int i = 0; i < slots.Count; i++)
            {
                olds[i] = _memory.ExchangeU64(slots[i].Slot, 0); // the migration entry: not present
            }
            Shootdown(addr, end);
            for (int i = 0; i < slots.Count; i++)
            {
                var old = new Pte(olds[i]);
                _memory.Frame(old.Pfn).CopyTo(_memory.Frame(slots[i].NewPfn));
                _memory.WriteU64(slots[i].Slot, old.WithPfn(slots[i].NewPfn).Raw);
                Gather(old.Pfn);
            }
            Notifiers.InvalidateRangeEnd(range);
            DrainGather();
            migrated = slots.Count;
            Stats.PagesMigrated += migrated;
            return Errno.Ok;
        }
    }
}

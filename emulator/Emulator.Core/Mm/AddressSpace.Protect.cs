using Emulator.Core.Memory;
using Emulator.Core.Notifiers;
using Emulator.Core.Paging;

namespace Emulator.Core.Mm;

public sealed partial class AddressSpace
{
    /// <summary>Changes the protection of [addr, addr + length).</summary>
    /// <returns>EINVAL (unaligned address, unknown protection bits), ENOMEM (part of the range is
    /// unmapped, or the length overflows), ESRCH (exited).</returns>
    /// <remarks>A change that takes a permission away is a downgrade: it runs in shootdown order with
    /// a <see cref="MmuNotifierEvent.ProtectionVma"/> range. Upgrades only rewrite the VMA and the
    /// entries; copy-on-write pages stay read-only until a write fault decides.</remarks>
    public Errno Mprotect(ulong addr, ulong length, Protection prot)
    {
        if (!Page.IsAligned(addr) || (prot & ~KnownProt) != 0)
        {
            return Errno.EINVAL;
        }
        if (length == 0)
        {
            return Errno.Ok;
        }
        if (!Page.TryAlignUp(length, out length) || addr > ulong.MaxValue - length)
        {
            return Errno.ENOMEM;
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
                return Errno.ENOMEM;
            }
            SplitAt(addr);
            SplitAt(end);
            bool downgrade = false;
            for (int i = FindIndex(addr); i < _vmas.Count && _vmas[i].Start < end; i++)
            {
                downgrade |= (_vmas[i].Prot & ~prot) != 0;
                _vmas[i].Prot = prot;
            }
            MmuNotifierRange range = default;
            if (downgrade)
            {
                range = BeginInvalidate(addr, end, MmuNotifierEvent.ProtectionVma);
            }
            bool changed = UpdateLeaves(addr, end, old => Reprotect(old, prot));
            if (downgrade)
            {
                if (changed)
                {
                    Shootdown(addr, end);
                }
                Notifiers.InvalidateRangeEnd(range);
            }
            MergeAround(addr, end);
            return Errno.Ok;
        }
    }

    /// <summary>The entry a frame-owning leaf gets under a new protection: write permission only
    /// survives if it was already granted (COW pages stay read-only), A/D are kept.</summary>
    private static Pte Reprotect(Pte old, Protection prot)
    {
        if (prot == Protection.None)
        {
            return new Pte((old.Pfn << Page.Shift) | Pte.SoftProtNone);
        }
        bool writable = old.Present && old.Writable && (prot & Protection.Write) != 0;
        var next = MakeLeaf(old.Pfn, prot, writable, dirty: false);
        // Keep the page's own A/D: a protection change must not make an aged page young again.
        return old.Present ? next.Without(Pte.AccessedBit).With(old.Raw & (Pte.AccessedBit | Pte.DirtyBit)) : next;
    }

    /// <summary>Gives advice about [addr, addr + length). DONTNEED and FREE drop the pages now (the
    /// next touch of private memory reads zeros); the other hints are accepted and change nothing.</summary>
    /// <returns>EINVAL (unaligned, unknown advice), ENOMEM (part of the range is unmapped; the mapped
    /// parts are still processed, as Linux does).</returns>
    public Errno Madvise(ulong addr, ulong length, Advice advice)
    {
        if (!Page.IsAligned(addr) || !Enum.IsDefined(advice))
        {
            return Errno.EINVAL;
        }
        if (length == 0)
        {
            return Errno.Ok;
        }
        if (!Page.TryAlignUp(length, out length) || addr > ulong.MaxValue - length)
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
            bool holes = !RangeIsMapped(addr, end);
            if (advice is Advice.DontNeed or Advice.Free)
            {
                for (int i = FindIndex(addr); i < _vmas.Count && _vmas[i].Start < end; i++)
                {
                    var v = _vmas[i];
                    ZapLocked(Math.Max(v.Start, addr), Math.Min(v.End, end), MmuNotifierEvent.Clear);
                }
            }
            return holes ? Errno.ENOMEM : Errno.Ok;
        }
    }
}

using Emulator.Core.Memory;
using Emulator.Core.Paging;

namespace Emulator.Core.Mm;

public sealed partial class AddressSpace
{
    private static readonly WalkOptions s_userWalk = WalkOptions.Default;

    /// <summary>
    /// CPU loads of user memory: each page is translated by the x86-64 walker (setting Accessed, as
    /// the hardware does) and a page fault goes to <see cref="HandleFault"/>, as for a user program.
    /// </summary>
    /// <returns>Ok, or EFAULT with <paramref name="faultVa"/> the address a user program would take
    /// SIGSEGV (or SIGBUS when out of memory) on; bytes before it were read.</returns>
    /// <remarks>Holds the mmap lock for the access, so it is atomic against munmap from other threads
    /// (a real CPU gets the same guarantee from the shootdown IPI waiting for it).</remarks>
    public Errno ReadUser(ulong va, Span<byte> destination, out ulong faultVa)
    {
        using (MmapLock.Enter())
        {
            while (!destination.IsEmpty)
            {
                if (!TranslateUserLocked(va, write: false, out ulong pa))
                {
                    faultVa = va;
                    return Errno.EFAULT;
                }
                int n = (int)Math.Min((ulong)destination.Length, Page.Size - (va & Page.Mask));
                _memory.TryRead(pa, destination[..n]);
                destination = destination[n..];
                va += (ulong)n;
            }
            faultVa = 0;
            return Errno.Ok;
        }
    }

    /// <summary>CPU stores to user memory; see <see cref="ReadUser"/>. A store to a copy-on-write page breaks it.</summary>
    public Errno WriteUser(ulong va, ReadOnlySpan<byte> source, out ulong faultVa)
    {
        using (MmapLock.Enter())
        {
            while (!source.IsEmpty)
            {
                if (!TranslateUserLocked(va, write: true, out ulong pa))
                {
                    faultVa = va;
                    return Errno.EFAULT;
                }
                int n = (int)Math.Min((ulong)source.Length, Page.Size - (va & Page.Mask));
                _memory.TryWrite(pa, source[..n]);
                source = source[n..];
                va += (ulong)n;
            }
            faultVa = 0;
            return Errno.Ok;
        }
    }

    /// <summary>Translates a user access, faulting pages in as needed; false means SIGSEGV/SIGBUS.</summary>
    private bool TranslateUserLocked(ulong va, bool write, out ulong pa)
    {
        var access = write ? AccessType.Write | AccessType.User : AccessType.User;
        // A fault may need two rounds: demand-page, then break COW on the same write.
        for (int attempt = 0; attempt < 3 && _live; attempt++)
        {
            var r = PageWalker.Walk(_memory, RootPa, Mode, va, access, s_userWalk);
            if (r.IsOk)
            {
                pa = r.Translation.PhysicalAddress;
                return true;
            }
            if (r.Status != WalkStatus.PageFault || HandleFaultLocked(va, write, exec: false) != FaultResult.Resolved)
            {
                break;
            }
        }
        pa = 0;
        return false;
    }

    /// <summary>
    /// Page aging (what reclaim's scan does): clears the Accessed bit of every resident page in
    /// [start, end), flushing CPU TLBs, and asks notifier subscribers to clear theirs
    /// (<c>ClearFlushYoung</c>, or <c>ClearYoung</c> without <paramref name="flush"/>).
    /// </summary>
    /// <returns>Number of pages that were young in the CPU page tables, plus one if any secondary MMU reported young.</returns>
    public int AgeRange(ulong start, ulong end, bool flush = true)
    {
        using (MmapLock.Enter())
        {
            int young = 0;
            UpdateLeaves(start, end, e =>
            {
                if (!e.Accessed)
                {
                    return e;
                }
                young++;
                return e.Without(Pte.AccessedBit);
            });
            if (flush && young > 0)
            {
                FlushCpuTlbs(start, end);
            }
            bool secondary = flush ? Notifiers.ClearFlushYoung(start, end) : Notifiers.ClearYoung(start, end);
            return young + (secondary ? 1 : 0);
        }
    }

    /// <summary>True if the page at <paramref name="va"/> is young in the CPU page table or in any secondary MMU (no clearing).</summary>
    public bool IsYoung(ulong va)
    {
        using (MmapLock.Enter())
        {
            bool young = LeafSlot(Page.AlignDown(va), allocate: false, out ulong slot) == Errno.Ok &&
                         new Pte(_memory.ReadU64(slot)).Accessed;
            return Notifiers.TestYoung(Page.AlignDown(va)) || young;
        }
    }

    /// <summary>The leaf entry mapping <paramref name="va"/> (not-present when none), for inspection and tests.</summary>
    public Pte LeafEntry(ulong va)
    {
        using (MmapLock.Enter())
        {
            return _live && LeafSlot(Page.AlignDown(va), allocate: false, out ulong slot) == Errno.Ok
                ? new Pte(_memory.ReadU64(slot))
                : Pte.None;
        }
    }
}

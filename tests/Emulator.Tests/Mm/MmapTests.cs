using Emulator.Core;
using Emulator.Core.Memory;
using Emulator.Core.Mm;
using Emulator.Core.Notifiers;
using Emulator.Core.Paging;
using Emulator.Tests.Support;
using static Emulator.Tests.Mm.MmKit;

namespace Emulator.Tests.Mm;

/// <summary>mmap, munmap and brk: placement, replacement, errors, VMA bookkeeping and the page
/// tables and frames they leave behind.</summary>
public class MmapTests
{
    private static readonly AddressSpaceOptions Layout = new();

    // ---- mmap ----------------------------------------------------------------------------------

    [Fact]
    public void Private_anonymous_mapping_reads_zero_and_keeps_what_is_written()
    {
        var (machine, mm) = TestMachines.NewProcess();

        Assert.Equal(Errno.Ok, mm.Mmap(0, 2 * P, Protection.ReadWrite, PrivateAnon, out ulong va));

        Assert.Equal(Layout.MmapBase - 2 * P, va); // top-down: the first mapping ends at MmapBase
        Assert.Equal([(va, va + 2 * P, Protection.ReadWrite, false)], VmaList(mm)); // one private VMA, exactly the length
        Assert.Equal(0, Peek(mm, va + P + 7)); // anonymous memory starts zeroed
        Poke(mm, va + P + 7, 0x5a);
        Assert.Equal(0x5a, Peek(mm, va + P + 7)); // and keeps a store
        Assert.Equal(1, machine.Frames.RefCount(Pfn(mm, va + P))); // private: only the PTE holds the frame
    }

    [Fact]
    public void Shared_anonymous_mapping_is_backed_by_a_shared_object()
    {
        var (machine, mm) = TestMachines.NewProcess();

        Assert.Equal(Errno.Ok, mm.Mmap(0, P, Protection.ReadWrite, SharedAnon, out ulong va));
        Poke(mm, va, 0x42);

        var vma = mm.FindVma(va)!;
        Assert.True(vma.IsShared); // MAP_SHARED gets a shared-memory object
        Assert.Equal(1, vma.Shared!.ResidentPages); // the touched page lives in the object
        Assert.Equal(2, machine.Frames.RefCount(Pfn(mm, va))); // one reference for the object, one for the PTE
        Assert.Equal(0x42, Peek(mm, va)); // and reads back through the object's page
    }

    [Theory]
    [InlineData(0x5000_0000UL, 0x5000_0000UL)]
    [InlineData(0x5000_0123UL, 0x5000_0000UL)] // x86 rounds a hint down to its page
    public void Hint_is_used_when_the_range_is_free(ulong hint, ulong expected)
    {
        var (_, mm) = TestMachines.NewProcess();

        Assert.Equal(Errno.Ok, mm.Mmap(hint, 2 * P, Protection.ReadWrite, PrivateAnon, out ulong va));

        Assert.Equal(expected, va); // a free hint is honoured
    }

    [Fact]
    public void Hint_is_ignored_when_the_range_is_taken()
    {
        var (_, mm) = TestMachines.NewProcess();
        ulong taken = MapAt(mm, 0x5000_0000, 2);
        Fill(mm, taken, 2, 0x11);

        Assert.Equal(Errno.Ok, mm.Mmap(taken + P, 2 * P, Protection.ReadWrite, PrivateAnon, out ulong va));

        Assert.Equal(Layout.MmapBase - 2 * P, va); // a taken hint falls back to the normal top-down search
        Assert.Equal(0x11, Peek(mm, taken + P)); // the existing mapping was not replaced
        Assert.Equal(2, mm.Vmas().Count); // both mappings exist side by side
    }

    [Fact]
    public void Fixed_replaces_an_existing_mapping_invalidates_it_and_frees_its_frames()
    {
        var (machine, mm) = TestMachines.NewProcess();
        ulong a = MapAt(mm, 0x5000_0000, 4);
        for (int i = 0; i < 4; i++)
        {
            Poke(mm, a + (ulong)i * P, (byte)(0x10 + i));
        }
        ulong pfn1 = Pfn(mm, a + P), pfn2 = Pfn(mm, a + 2 * P);
        uint gen1 = machine.Frames.Generation(pfn1), gen2 = machine.Frames.Generation(pfn2);
        long before = machine.Frames.AllocatedFrames;
        var ops = Subscribe(mm);

        Assert.Equal(Errno.Ok, mm.Mmap(a + P, 2 * P, Protection.ReadWrite, PrivateAnon | MapFlags.Fixed, out ulong va));

        Assert.Equal(a + P, va); // Fixed maps exactly there
        Assert.Equal(Bracket(a + P, a + 3 * P, MmuNotifierEvent.Unmap), ops.Snapshot()); // the replaced range was shot down
        Assert.False(machine.Frames.IsLive(pfn1, gen1)); // the replaced pages' frames were freed
        Assert.False(machine.Frames.IsLive(pfn2, gen2));
        Assert.Equal(before - 2, machine.Frames.AllocatedFrames); // exactly those two (the table still maps pages 0 and 3)
        Assert.Equal([(a, a + 4 * P, Protection.ReadWrite, false)], VmaList(mm)); // same prot: merged back into one VMA
        Assert.Equal(0x10, Peek(mm, a)); // the neighbours kept their data
        Assert.Equal(0x13, Peek(mm, a + 3 * P));
        Assert.Equal(0, Peek(mm, a + P)); // the new mapping is fresh memory
        Assert.Equal(0, Peek(mm, a + 2 * P));
    }

    [Fact]
    public void FixedNoReplace_over_a_mapping_is_EEXIST_and_changes_nothing()
    {
        var (_, mm) = TestMachines.NewProcess();
        ulong a = MapAt(mm, 0x5000_0000, 2);
        Fill(mm, a, 2, 0x33);
        var ops = Subscribe(mm);

        var r = mm.Mmap(a + P, 2 * P, Protection.Read, PrivateAnon | MapFlags.FixedNoReplace, out ulong va);

        Assert.Equal(Errno.EEXIST, r); // overlaps page 1 of the existing mapping
        Assert.Equal(0UL, va); // no address handed out
        Assert.Equal([(a, a + 2 * P, Protection.ReadWrite, false)], VmaList(mm)); // untouched
        Assert.Equal(0x33, Peek(mm, a + P)); // its data too
        Assert.Empty(ops.Snapshot()); // nothing was invalidated
    }

    [Fact]
    public void FixedNoReplace_on_free_space_maps_exactly_there()
    {
        var (_, mm) = TestMachines.NewProcess();
        ulong a = MapAt(mm, 0x5000_0000, 2);

        Assert.Equal(Errno.Ok, mm.Mmap(a + 2 * P, P, Protection.Read, PrivateAnon | MapFlags.FixedNoReplace, out ulong va));

        Assert.Equal(a + 2 * P, va); // adjacent but not overlapping is allowed
    }

    [Theory]
    [InlineData("zero length", 0UL, 0UL, Protection.ReadWrite, PrivateAnon, Errno.EINVAL)]
    [InlineData("no sharing flag", 0UL, P, Protection.ReadWrite, MapFlags.Anonymous, Errno.EINVAL)]
    [InlineData("file mapping", 0UL, P, Protection.ReadWrite, MapFlags.Private, Errno.EBADF)]
    [InlineData("unknown prot bit", 0UL, P, (Protection)8, PrivateAnon, Errno.EINVAL)]
    [InlineData("unaligned fixed", 0x5000_0800UL, P, Protection.ReadWrite, PrivateAnon | MapFlags.Fixed, Errno.EINVAL)]
    [InlineData("unaligned fixed-noreplace", 0x5000_0800UL, P, Protection.ReadWrite, PrivateAnon | MapFlags.FixedNoReplace, Errno.EINVAL)]
    [InlineData("length overflows when page aligned", 0UL, ulong.MaxValue, Protection.ReadWrite, PrivateAnon, Errno.ENOMEM)]
    [InlineData("fixed at the end of user space", 0x7fff_ffff_f000UL, P, Protection.ReadWrite, PrivateAnon | MapFlags.Fixed, Errno.ENOMEM)]
    [InlineData("fixed across the end of user space", 0x7fff_ffff_e000UL, 2 * P, Protection.ReadWrite, PrivateAnon | MapFlags.Fixed, Errno.ENOMEM)]
    [InlineData("fixed above 47 bits", 1UL << 48, P, Protection.ReadWrite, PrivateAnon | MapFlags.Fixed, Errno.ENOMEM)]
    [InlineData("longer than user space", 0UL, 1UL << 47, Protection.ReadWrite, PrivateAnon, Errno.ENOMEM)]
    [InlineData("unknown flag with shared-validate", 0UL, P, Protection.ReadWrite, MapFlags.SharedValidate | MapFlags.Anonymous | (MapFlags)0x0400_0000, Errno.EOPNOTSUPP)]
    public void Invalid_mmap_is_refused_and_maps_nothing(string what, ulong addr, ulong length, Protection prot, MapFlags flags, Errno expected)
    {
        var (machine, mm) = TestMachines.NewProcess();
        long frames = machine.Frames.AllocatedFrames;

        var r = mm.Mmap(addr, length, prot, flags, out ulong va);

        Assert.True(expected == r, $"{what}: expected {expected}, got {r}"); // the Linux errno for this misuse
        Assert.Equal(0UL, va); // no address handed out
        Assert.Empty(mm.Vmas()); // nothing was mapped
        Assert.Equal(frames, machine.Frames.AllocatedFrames); // and nothing allocated
    }

    [Fact]
    public void Unknown_flags_are_ignored_for_legacy_private_mappings()
    {
        var (_, mm) = TestMachines.NewProcess();

        // Linux ignores unknown flags unless MAP_SHARED_VALIDATE asks it to check them.
        Assert.Equal(Errno.Ok, mm.Mmap(0, P, Protection.ReadWrite, PrivateAnon | (MapFlags)0x0400_0000, out _));
    }

    [Fact]
    public void Exhausted_address_space_is_ENOMEM()
    {
        var (machine, mm) = TestMachines.NewProcess();
        // One lazily populated VMA covering every mappable byte costs no frames.
        Assert.Equal(Errno.Ok, mm.Mmap(Layout.MmapMin, Layout.UserEnd - Layout.MmapMin, Protection.None, PrivateAnon | MapFlags.Fixed, out _));

        Assert.Equal(Errno.ENOMEM, mm.Mmap(0, P, Protection.ReadWrite, PrivateAnon, out ulong va)); // no room anywhere
        Assert.Equal(0UL, va); // no address handed out
        Assert.Equal(Errno.ENOMEM, mm.Mmap(0x5000_0000, P, Protection.ReadWrite, PrivateAnon, out _)); // a hint does not help
        Assert.Equal(1L, machine.Frames.AllocatedFrames); // still only the root table
    }

    [Fact]
    public void Adjacent_compatible_mappings_merge_into_one_vma()
    {
        var (_, mm) = TestMachines.NewProcess();

        Assert.Equal(Errno.Ok, mm.Mmap(0, 2 * P, Protection.ReadWrite, PrivateAnon, out ulong first));
        Assert.Equal(Errno.Ok, mm.Mmap(0, 3 * P, Protection.ReadWrite, PrivateAnon, out ulong second));

        Assert.Equal(first - 3 * P, second); // top-down: placed right below the first
        Assert.Equal([(second, first + 2 * P, Protection.ReadWrite, false)], VmaList(mm)); // one VMA, as /proc/pid/maps shows
    }

    [Fact]
    public void Adjacent_mappings_with_different_protection_stay_separate()
    {
        var (_, mm) = TestMachines.NewProcess();
        ulong a = MapAt(mm, 0x5000_0000, 2, Protection.ReadWrite);
        MapAt(mm, a + 2 * P, 1, Protection.Read);

        Assert.Equal(
            [(a, a + 2 * P, Protection.ReadWrite, false), (a + 2 * P, a + 3 * P, Protection.Read, false)],
            VmaList(mm)); // prot differs: no merge
    }

    [Fact]
    public void Adjacent_shared_mappings_stay_separate()
    {
        var (_, mm) = TestMachines.NewProcess();
        ulong a = MapAt(mm, 0x5000_0000, 1, shared: true);
        MapAt(mm, a + P, 1, shared: true);

        Assert.Equal(2, mm.Vmas().Count); // two distinct shared objects never merge
    }

    [Fact]
    public void Populate_faults_every_page_in_with_exactly_the_tables_it_needs()
    {
        var (machine, mm) = TestMachines.NewProcess();
        Assert.Equal(1L, machine.Frames.AllocatedFrames); // a new mm holds only its root
        ulong va = 0x4020_0000 - 4 * P; // 8 pages straddling a 2 MiB boundary

        Assert.Equal(Errno.Ok, mm.Mmap(va, 8 * P, Protection.ReadWrite, PrivateAnon | MapFlags.Fixed | MapFlags.Populate, out _));

        // root + PDPT + PD + two PTs (one per 2 MiB region) + 8 data frames.
        Assert.Equal(1L + 4 + 8, machine.Frames.AllocatedFrames);
        Assert.Equal(8, mm.Stats.DemandPages); // one demand fault per page, at mmap time
        for (int i = 0; i < 8; i++)
        {
            var e = mm.LeafEntry(va + (ulong)i * P);
            Assert.True(e.Present && e.Writable, $"page {i}: {e}"); // writable mapping populated for write
        }
        long faults = mm.Stats.Faults;
        for (int i = 0; i < 8; i++)
        {
            Assert.Equal(0, Peek(mm, va + (ulong)i * P)); // populated pages are zero-filled
        }
        Assert.Equal(faults, mm.Stats.Faults); // reading populated memory takes no fault
    }

    [Fact]
    public void Populate_of_prot_none_maps_nothing()
    {
        var (machine, mm) = TestMachines.NewProcess();

        Assert.Equal(Errno.Ok, mm.Mmap(0x4000_0000, 4 * P, Protection.None, PrivateAnon | MapFlags.Fixed | MapFlags.Populate, out _));

        Assert.Equal(1L, machine.Frames.AllocatedFrames); // inaccessible memory cannot be faulted in
        Assert.Equal([(0x4000_0000UL, 0x4000_0000UL + 4 * P, Protection.None, false)], VmaList(mm)); // but the mapping exists
    }

    // ---- munmap --------------------------------------------------------------------------------

    [Theory]
    [InlineData("unaligned address", 0x5000_0800UL, P)]
    [InlineData("zero length", 0x5000_0000UL, 0UL)]
    [InlineData("starts at the end of user space", 0x7fff_ffff_f000UL, P)]
    [InlineData("runs past the end of user space", 0x7fff_ffff_e000UL, 2 * P)]
    [InlineData("length overflows when page aligned", 0x5000_0000UL, ulong.MaxValue)]
    public void Invalid_munmap_is_EINVAL_and_unmaps_nothing(string what, ulong addr, ulong length)
    {
        var (_, mm) = TestMachines.NewProcess();
        ulong a = MapAt(mm, 0x5000_0000, 2);
        Fill(mm, a, 2, 0x44);

        var r = mm.Munmap(addr, length);

        Assert.True(r == Errno.EINVAL, $"{what}: got {r}"); // Linux's errno for a malformed munmap
        Assert.Equal(0x44, Peek(mm, a + P)); // the mapping survived
    }

    [Fact]
    public void Unmapping_a_hole_is_ok_and_invalidates_nothing()
    {
        var (_, mm) = TestMachines.NewProcess();
        ulong a = MapAt(mm, 0x5000_0000, 2);
        var ops = Subscribe(mm);

        Assert.Equal(Errno.Ok, mm.Munmap(0x6000_0000, 16 * P)); // POSIX: unmapping nothing succeeds

        Assert.Empty(ops.Snapshot()); // no range was announced for unmapped space
        Assert.Equal([(a, a + 2 * P, Protection.ReadWrite, false)], VmaList(mm)); // other mappings untouched
    }

    [Fact]
    public void Unmapping_the_middle_splits_the_vma_and_frees_only_those_pages()
    {
        var (_, mm) = TestMachines.NewProcess();
        ulong a = MapAt(mm, 0x5000_0000, 4);
        for (int i = 0; i < 4; i++)
        {
            Poke(mm, a + (ulong)i * P, (byte)(0x20 + i));
        }
        var ops = Subscribe(mm);

        Assert.Equal(Errno.Ok, mm.Munmap(a + P, 2 * P));

        Assert.Equal(
            [(a, a + P, Protection.ReadWrite, false), (a + 3 * P, a + 4 * P, Protection.ReadWrite, false)],
            VmaList(mm)); // two pieces remain
        Assert.Equal(Bracket(a + P, a + 3 * P, MmuNotifierEvent.Unmap), ops.Snapshot()); // exactly the hole was invalidated
        Assert.Equal(2, mm.Stats.PagesUnmapped); // only the two pages in the hole lost their frames
        Assert.Equal(0x20, Peek(mm, a)); // the pieces keep their data
        Assert.Equal(0x23, Peek(mm, a + 3 * P)); // including the tail piece
    }

    [Fact]
    public void Access_to_an_unmapped_page_faults_at_its_exact_address()
    {
        var (_, mm) = TestMachines.NewProcess();
        ulong a = MapAt(mm, 0x5000_0000, 2);
        byte[] tail = [1, 2, 3, 4, 5, 6, 7, 8];
        Assert.Equal(Errno.Ok, mm.WriteUser(a + P - 8, tail, out _));
        Assert.Equal(Errno.Ok, mm.Munmap(a + P, P));

        var buffer = new byte[16];
        Assert.Equal(Errno.EFAULT, mm.ReadUser(a + P - 8, buffer, out ulong readFault)); // a load across into the hole
        Assert.Equal(a + P, readFault); // SIGSEGV address: the first unmapped byte
        Assert.Equal(tail, buffer[..8]); // the bytes before it were read

        Assert.Equal(Errno.EFAULT, TryPoke(mm, a + P + 100, 1, out ulong writeFault)); // a store into the hole
        Assert.Equal(a + P + 100, writeFault); // not rounded to the page
    }

    [Fact]
    public void Unmapping_a_whole_2MiB_region_frees_its_page_table()
    {
        var (machine, mm) = TestMachines.NewProcess();
        Poke(mm, MapAt(mm, 0x4000_0000, 1), 1); // a neighbour in the same 1 GiB keeps PDPT and PD alive
        long baseline = machine.Frames.AllocatedFrames;
        ulong region = MapAt(mm, 0x4040_0000, 512);
        Poke(mm, region, 1);
        Poke(mm, region + 100 * P, 2);
        Poke(mm, region + 511 * P, 3);
        Assert.Equal(baseline + 1 + 3, machine.Frames.AllocatedFrames); // one PT and three pages

        Assert.Equal(Errno.Ok, mm.Munmap(region, 512 * P));

        Assert.Equal(baseline, machine.Frames.AllocatedFrames); // pages and the PT are gone
        Assert.Equal(1, mm.Stats.PageTablesFreed); // just the PT: PD and PDPT still serve the neighbour
        Assert.Equal(1, Peek(mm, 0x4000_0000)); // the neighbour's tables still work
    }

    [Fact]
    public void Unmapping_a_whole_1GiB_region_far_from_others_frees_every_table_under_it()
    {
        var (machine, mm) = TestMachines.NewProcess();
        Poke(mm, MapAt(mm, 0x4000_0000, 1), 1);
        long baseline = machine.Frames.AllocatedFrames;
        const ulong region = 0x100_0000_0000; // 1 TiB: its own PML4 slot
        MapAt(mm, region, (int)(Page.HugeSize / P));
        Poke(mm, region, 1);
        Poke(mm, region + (Page.HugeSize / 2), 2);
        Assert.Equal(baseline + 4 + 2, machine.Frames.AllocatedFrames); // PDPT, PD, two PTs, two pages

        Assert.Equal(Errno.Ok, mm.Munmap(region, Page.HugeSize));

        Assert.Equal(baseline, machine.Frames.AllocatedFrames); // back to exactly what was there before
        Assert.Equal(4, mm.Stats.PageTablesFreed); // PDPT, PD and both PTs
    }

    [Fact]
    public void Page_tables_are_freed_only_after_a_secondary_invalidation_that_follows_their_unlinking()
    {
        // An IOMMU walk cache (SMMU walk cache, VT-d paging-structure cache) holds pointers to
        // tables, not only leaves, and a walk that ends at an empty PTE still fills it. Linux unlinks
        // page tables into the TLB gather and frees them after flush_tlb_mm_range, which calls
        // mmu_notifier_arch_invalidate_secondary_tlbs even when no leaf was present.
        var (machine, mm) = TestMachines.NewProcess();
        ulong a = MapAt(mm, 0x4000_0000, 1);
        Poke(mm, a, 1);
        ulong pt = LeafTablePfn(mm, a);
        uint ptGen = machine.Frames.Generation(pt);
        Assert.Equal(Errno.Ok, mm.Madvise(a, P, Advice.DontNeed)); // the page goes, its table stays
        Assert.Equal(pt, LeafTablePfn(mm, a)); // precondition: the empty table is still linked
        var seen = new List<(bool Live, bool Linked)>();
        var ops = Subscribe(mm);
        ops.OnSecondary = (_, _, _) => seen.Add((machine.Frames.IsLive(pt, ptGen), WalkUses(mm, a, pt)));

        Assert.Equal(Errno.Ok, mm.Munmap(a, P));

        Assert.False(machine.Frames.IsLive(pt, ptGen)); // the table was freed...
        // ...so a secondary invalidation must have run after no walk could reach it, before it was freed.
        Assert.True(seen.Contains((true, false)),
            $"no secondary invalidation between unlinking and freeing the page table; (live, linked) at each: [{string.Join(", ", seen)}]; log: {string.Join(", ", ops.Snapshot())}");
    }

    [Fact]
    public void Partial_unmap_keeps_the_table_that_still_maps_pages()
    {
        var (machine, mm) = TestMachines.NewProcess();
        ulong a = MapAt(mm, 0x4000_0000, 2);
        Fill(mm, a, 2, 0x55);
        long before = machine.Frames.AllocatedFrames;

        Assert.Equal(Errno.Ok, mm.Munmap(a, P));

        Assert.Equal(before - 1, machine.Frames.AllocatedFrames); // only the data frame went
        Assert.Equal(0, mm.Stats.PageTablesFreed); // the PT still maps the other page
        Assert.Equal(0x55, Peek(mm, a + P)); // the surviving page is still reachable
    }

    // ---- brk -----------------------------------------------------------------------------------

    [Fact]
    public void Brk_below_the_start_returns_the_current_break()
    {
        var (_, mm) = TestMachines.NewProcess();
        ulong start = Layout.BrkStart;

        Assert.Equal(start, mm.Brk(0)); // brk(0) is how a program asks for the break
        Assert.Equal(start, mm.Brk(start - P)); // below the initial break is refused
        Assert.Equal(start + 10, mm.Brk(start + 10)); // an unaligned break is kept as asked
        Assert.Equal(start + 10, mm.Brk(start - 1)); // refusal reports the current break, not the start
        Assert.Equal(start + 10, mm.CurrentBrk); // the refused calls changed nothing
    }

    [Fact]
    public void Brk_grows_a_readwrite_heap_and_shrinking_drops_the_pages()
    {
        var (_, mm) = TestMachines.NewProcess();
        ulong start = Layout.BrkStart;

        Assert.Equal(start + 3 * P + 5, mm.Brk(start + 3 * P + 5)); // success returns the new break
        Assert.Equal([(start, start + 4 * P, Protection.ReadWrite, false)], VmaList(mm)); // rounded up to whole pages
        Fill(mm, start, 4, 0x66);

        Assert.Equal(start + P, mm.Brk(start + P)); // shrinking is allowed down to the start
        Assert.Equal([(start, start + P, Protection.ReadWrite, false)], VmaList(mm)); // the heap VMA shrank with it
        Assert.Equal(Errno.EFAULT, TryPeek(mm, start + 2 * P, out ulong fault)); // the released heap is gone
        Assert.Equal(start + 2 * P, fault); // at the exact address

        Assert.Equal(start + 4 * P, mm.Brk(start + 4 * P)); // regrowing over the released range is allowed
        Assert.Equal(0x66, Peek(mm, start)); // the kept page kept its data
        Assert.Equal(0, Peek(mm, start + P)); // regrown pages are fresh zeroed memory
        Assert.Equal(0, Peek(mm, start + 3 * P)); // old contents did not come back
    }

    [Fact]
    public void Brk_refuses_to_grow_over_an_existing_mapping()
    {
        var (_, mm) = TestMachines.NewProcess();
        ulong start = Layout.BrkStart;
        ulong blocker = MapAt(mm, start + 2 * P, 1, Protection.Read);

        Assert.Equal(start, mm.Brk(start + 4 * P)); // refused: the old break comes back
        Assert.Equal(start, mm.CurrentBrk); // the break did not move
        Assert.Equal([(blocker, blocker + P, Protection.Read, false)], VmaList(mm)); // nothing mapped, nothing replaced
        Assert.Equal(start + 2 * P, mm.Brk(start + 2 * P)); // growing up to the mapping is fine
    }

    [Fact]
    public void Brk_beyond_user_space_is_refused()
    {
        var (_, mm) = TestMachines.NewProcess();

        Assert.Equal(Layout.BrkStart, mm.Brk(Layout.UserEnd + P)); // refused: the current break comes back
        Assert.Empty(mm.Vmas()); // and no heap was mapped
    }
}

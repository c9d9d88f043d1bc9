using Emulator.Core;
using Emulator.Core.Memory;
using Emulator.Core.Mm;
using Emulator.Core.Notifiers;
using Emulator.Core.Paging;
using Emulator.Tests.Support;
using static Emulator.Tests.Mm.MmKit;

namespace Emulator.Tests.Mm;

/// <summary>mremap: shrink, grow in place, move (the PTEs move, the frames do not), fixed targets
/// and the argument checks.</summary>
public class RemapTests
{
    private const ulong A = 0x5000_0000;
    private static readonly AddressSpaceOptions Layout = new();

    private static void FillDistinct(AddressSpace mm, ulong va, int pages, byte first)
    {
        for (int i = 0; i < pages; i++)
        {
            Poke(mm, va + (ulong)i * P, (byte)(first + i));
        }
    }

    [Fact]
    public void Shrink_unmaps_and_invalidates_the_tail()
    {
        var (machine, mm) = TestMachines.NewProcess();
        MapAt(mm, A, 4);
        FillDistinct(mm, A, 4, 0x10);
        ulong tailPfn = Pfn(mm, A + 3 * P);
        uint tailGen = machine.Frames.Generation(tailPfn);
        var ops = Subscribe(mm);

        Assert.Equal(Errno.Ok, mm.Mremap(A, 4 * P, 2 * P, MremapFlags.None, 0, out ulong result));

        Assert.Equal(A, result); // shrinking never moves
        Assert.Equal(Bracket(A + 2 * P, A + 4 * P, MmuNotifierEvent.Unmap), ops.Snapshot()); // the tail was shot down
        Assert.False(machine.Frames.IsLive(tailPfn, tailGen)); // and its frames freed
        Assert.Equal([(A, A + 2 * P, Protection.ReadWrite, false)], VmaList(mm)); // the VMA ends at the new size
        Assert.Equal(Errno.EFAULT, TryPeek(mm, A + 2 * P, out ulong fault)); // the tail is no longer mapped
        Assert.Equal(A + 2 * P, fault);
        Assert.Equal(0x11, Peek(mm, A + P)); // the head is intact
    }

    [Fact]
    public void Same_size_remap_is_a_no_op()
    {
        var (_, mm) = TestMachines.NewProcess();
        MapAt(mm, A, 4);
        Fill(mm, A, 4, 1);
        var ops = Subscribe(mm);

        Assert.Equal(Errno.Ok, mm.Mremap(A, 2 * P, 2 * P, MremapFlags.None, 0, out ulong result));

        Assert.Equal(A, result); // the same address comes back
        Assert.Equal([(A, A + 4 * P, Protection.ReadWrite, false)], VmaList(mm)); // Linux returns at once: no split
        Assert.Empty(ops.Snapshot()); // and nothing to invalidate
    }

    [Fact]
    public void Grow_in_place_when_the_space_after_is_free()
    {
        var (_, mm) = TestMachines.NewProcess();
        MapAt(mm, A, 2);
        FillDistinct(mm, A, 2, 0x20);
        ulong pfn0 = Pfn(mm, A);
        var ops = Subscribe(mm);

        Assert.Equal(Errno.Ok, mm.Mremap(A, 2 * P, 4 * P, MremapFlags.None, 0, out ulong result));

        Assert.Equal(A, result); // grown where it is
        Assert.Equal([(A, A + 4 * P, Protection.ReadWrite, false)], VmaList(mm)); // the VMA was extended
        Assert.Empty(ops.Snapshot()); // adding pages invalidates nothing
        Assert.Equal(pfn0, Pfn(mm, A)); // existing pages untouched
        Assert.Equal(0x21, Peek(mm, A + P)); // and their data
        Assert.Equal(0, Peek(mm, A + 3 * P)); // the new part is fresh memory
    }

    [Fact]
    public void Grow_without_MayMove_when_blocked_is_ENOMEM()
    {
        var (_, mm) = TestMachines.NewProcess();
        MapAt(mm, A, 2);
        FillDistinct(mm, A, 2, 0x30);
        MapAt(mm, A + 2 * P, 1, Protection.Read);
        var before = VmaList(mm);

        Assert.Equal(Errno.ENOMEM, mm.Mremap(A, 2 * P, 4 * P, MremapFlags.None, 0, out ulong result)); // blocked, and not allowed to move

        Assert.Equal(0UL, result);
        Assert.Equal(before, VmaList(mm)); // nothing changed
        Assert.Equal(0x31, Peek(mm, A + P)); // the data stayed where it was
    }

    [Fact]
    public void Grow_with_MayMove_moves_the_page_table_entries_not_the_data()
    {
        var (machine, mm) = TestMachines.NewProcess();
        MapAt(mm, A, 2);
        FillDistinct(mm, A, 2, 0x40);
        MapAt(mm, A + 2 * P, 1, Protection.Read); // blocks growth in place
        ulong pfn0 = Pfn(mm, A), pfn1 = Pfn(mm, A + P);
        long frames = machine.Frames.AllocatedFrames;
        var ops = Subscribe(mm);

        Assert.Equal(Errno.Ok, mm.Mremap(A, 2 * P, 4 * P, MremapFlags.MayMove, 0, out ulong moved));

        Assert.Equal(Layout.MmapBase - 4 * P, moved); // the normal top-down placement for 4 pages
        Assert.Equal(Bracket(A, A + 2 * P, MmuNotifierEvent.Unmap), ops.Snapshot()); // only the old range is invalidated
        Assert.Equal(pfn0, Pfn(mm, moved)); // the same frames, now at the new address
        Assert.Equal(pfn1, Pfn(mm, moved + P));
        Assert.Equal(1, machine.Frames.RefCount(pfn0)); // moved, not shared or copied
        Assert.Equal(frames + 3, machine.Frames.AllocatedFrames); // no data frame: only PDPT, PD, PT for the new place
        Assert.Equal(0x40, Peek(mm, moved)); // the data is at the new address
        Assert.Equal(0x41, Peek(mm, moved + P));
        Assert.Equal(0, Peek(mm, moved + 3 * P)); // the grown part is fresh memory
        Assert.Equal(Errno.EFAULT, TryPeek(mm, A, out ulong fault)); // the old address is gone
        Assert.Equal(A, fault);
        Assert.Equal((moved, moved + 4 * P), (mm.FindVma(moved)!.Start, mm.FindVma(moved)!.End)); // one VMA of the new size
    }

    [Fact]
    public void Move_shoots_down_the_old_address_in_an_attached_cpu_tlb()
    {
        var (machine, mm) = TestMachines.NewProcess();
        MapAt(mm, A, 1);
        Poke(mm, A, 1);
        MapAt(mm, A + P, 1, Protection.Read);
        var cpu = AttachCpu(machine, mm);
        CacheTranslation(cpu, A, UserWrite);

        Assert.Equal(Errno.Ok, mm.Mremap(A, P, 2 * P, MremapFlags.MayMove, 0, out _));

        Assert.Equal(WalkStatus.PageFault, cpu.Translate(A, UserWrite).Status); // no stale translation of the old address
    }

    [Fact]
    public void Fixed_target_replaces_what_was_there()
    {
        var (machine, mm) = TestMachines.NewProcess();
        const ulong target = 0x7000_0000;
        MapAt(mm, A, 2);
        FillDistinct(mm, A, 2, 0x50);
        MapAt(mm, 0x6000_0000, 1, Protection.Read); // a VMA between the two keeps this test off the same-gap case
        MapAt(mm, target, 2);
        FillDistinct(mm, target, 2, 0x60);
        ulong replaced = Pfn(mm, target);
        uint replacedGen = machine.Frames.Generation(replaced);
        ulong pfn0 = Pfn(mm, A);
        var ops = Subscribe(mm);

        Assert.Equal(Errno.Ok, mm.Mremap(A, 2 * P, 2 * P, MremapFlags.MayMove | MremapFlags.Fixed, target, out ulong result));

        Assert.Equal(target, result); // moved exactly where asked
        Assert.Equal(
            [.. Bracket(target, target + 2 * P, MmuNotifierEvent.Unmap), .. Bracket(A, A + 2 * P, MmuNotifierEvent.Unmap)],
            ops.Snapshot()); // the target's old contents, then the moved range
        Assert.False(machine.Frames.IsLive(replaced, replacedGen)); // the replaced page was freed
        Assert.Equal(pfn0, Pfn(mm, target)); // the moved page kept its frame
        Assert.Equal(0x50, Peek(mm, target)); // the target now holds the moved data, not its own
        Assert.Equal(0x51, Peek(mm, target + P));
        Assert.Equal(Errno.EFAULT, TryPeek(mm, A, out _)); // and the old address is gone
    }

    [Fact]
    public void Fixed_target_smaller_than_the_old_range_drops_the_rest()
    {
        var (machine, mm) = TestMachines.NewProcess();
        const ulong target = 0x7000_0000;
        MapAt(mm, A, 3);
        FillDistinct(mm, A, 3, 0x70);
        MapAt(mm, 0x6000_0000, 1, Protection.Read);
        ulong dropped = Pfn(mm, A + 2 * P);
        uint droppedGen = machine.Frames.Generation(dropped);

        Assert.Equal(Errno.Ok, mm.Mremap(A, 3 * P, 2 * P, MremapFlags.MayMove | MremapFlags.Fixed, target, out ulong result));

        Assert.Equal(target, result);
        Assert.Equal(0x71, Peek(mm, target + P)); // the pages that fit moved
        Assert.False(machine.Frames.IsLive(dropped, droppedGen)); // the page beyond the new size was freed
        Assert.Equal((target, target + 2 * P), (mm.FindVma(target)!.Start, mm.FindVma(target)!.End)); // the new VMA has the new size
    }

    [Fact]
    public void Moving_a_shared_mapping_keeps_it_shared_with_the_other_mappers()
    {
        var (_, parent) = TestMachines.NewProcess();
        MapAt(parent, A, 2, shared: true);
        FillDistinct(parent, A, 2, 0x80);
        MapAt(parent, A + 2 * P, 1, Protection.Read);
        Assert.Equal(Errno.Ok, parent.Fork(out var child));

        Assert.Equal(Errno.Ok, parent.Mremap(A, 2 * P, 3 * P, MremapFlags.MayMove, 0, out ulong moved));
        Poke(parent, moved + P, 0xee);

        Assert.Equal(0xee, Peek(child!, A + P)); // the moved VMA still maps the same object page
        Assert.Equal(0x80, Peek(parent, moved)); // and page 0 kept its offset
        Poke(child!, A, 0xdd);
        Assert.Equal(0xdd, Peek(parent, moved)); // sharing works in both directions
    }

    [Fact]
    public void Overlapping_fixed_target_is_EINVAL()
    {
        var (_, mm) = TestMachines.NewProcess();
        MapAt(mm, A, 2);
        FillDistinct(mm, A, 2, 0x90);

        Assert.Equal(Errno.EINVAL, mm.Mremap(A, 2 * P, 2 * P, MremapFlags.MayMove | MremapFlags.Fixed, A + P, out _)); // Linux refuses overlapping ranges

        Assert.Equal(0x91, Peek(mm, A + P)); // nothing moved or unmapped
        Assert.Equal([(A, A + 2 * P, Protection.ReadWrite, false)], VmaList(mm)); // the VMA is unchanged
    }

    [Fact]
    public void Old_range_across_two_vmas_is_EFAULT()
    {
        var (_, mm) = TestMachines.NewProcess();
        MapAt(mm, A, 1);
        MapAt(mm, A + P, 1, Protection.Read);
        var before = VmaList(mm);

        Assert.Equal(Errno.EFAULT, mm.Mremap(A, 2 * P, 4 * P, MremapFlags.MayMove, 0, out _)); // mremap works on one VMA only

        Assert.Equal(before, VmaList(mm)); // neither VMA changed
    }

    [Fact]
    public void Old_range_in_a_hole_is_EFAULT()
    {
        var (_, mm) = TestMachines.NewProcess();

        Assert.Equal(Errno.EFAULT, mm.Mremap(A, P, 2 * P, MremapFlags.MayMove, 0, out _)); // nothing to remap
    }

    [Theory]
    [InlineData("Fixed without MayMove", A, P, P, MremapFlags.Fixed, 0x7000_0000UL)]
    [InlineData("DontUnmap is not modelled", A, P, P, MremapFlags.MayMove | MremapFlags.DontUnmap, 0UL)]
    [InlineData("unaligned old address", A + 8, P, 2 * P, MremapFlags.MayMove, 0UL)]
    [InlineData("zero new size", A, P, 0UL, MremapFlags.MayMove, 0UL)]
    [InlineData("unaligned fixed target", A, P, P, MremapFlags.MayMove | MremapFlags.Fixed, 0x7000_0008UL)]
    [InlineData("fixed target beyond user space", A, P, P, MremapFlags.MayMove | MremapFlags.Fixed, 0x7fff_ffff_f000UL)]
    public void Invalid_mremap_is_EINVAL_and_changes_nothing(string what, ulong oldAddr, ulong oldSize, ulong newSize, MremapFlags flags, ulong newAddr)
    {
        var (_, mm) = TestMachines.NewProcess();
        MapAt(mm, A, 1);
        Poke(mm, A, 0xa5);

        var r = mm.Mremap(oldAddr, oldSize, newSize, flags, newAddr, out ulong result);

        Assert.True(r == Errno.EINVAL, $"{what}: got {r}"); // Linux's errno for a malformed mremap
        Assert.Equal(0UL, result);
        Assert.Equal(0xa5, Peek(mm, A)); // nothing moved
        Assert.Equal([(A, A + P, Protection.ReadWrite, false)], VmaList(mm)); // nothing unmapped
    }

    [Fact]
    public void Page_tables_emptied_by_a_move_are_freed_only_after_a_secondary_invalidation_that_follows_their_unlinking()
    {
        // See MmapTests: a device may cache a walk through the old range's table until told otherwise,
        // and it may re-walk (finding empty PTEs) between the move's invalidation and the unlinking.
        var (machine, mm) = TestMachines.NewProcess();
        MapAt(mm, A, 512); // exactly one PT's span
        Poke(mm, A, 1);
        MapAt(mm, A + Page.LargeSize, 1, Protection.Read); // blocks growth in place, outside that span
        ulong pt = LeafTablePfn(mm, A);
        uint ptGen = machine.Frames.Generation(pt);
        var seen = new List<(bool Live, bool Linked)>();
        var ops = Subscribe(mm);
        ops.OnSecondary = (_, _, _) => seen.Add((machine.Frames.IsLive(pt, ptGen), WalkUses(mm, A, pt)));

        Assert.Equal(Errno.Ok, mm.Mremap(A, Page.LargeSize, 2 * Page.LargeSize, MremapFlags.MayMove, 0, out ulong moved));

        Assert.Equal(1, Peek(mm, moved)); // the move itself worked
        Assert.False(machine.Frames.IsLive(pt, ptGen)); // the old range's table was freed...
        Assert.True(seen.Contains((true, false)),
            $"no secondary invalidation between unlinking and freeing the page table; (live, linked) at each: [{string.Join(", ", seen)}]; log: {string.Join(", ", ops.Snapshot())}");
    }

    // ---- moves that land in the gap the old range leaves ---------------------------------------

    [Fact]
    public void Growing_a_buffer_with_MayMove_into_the_free_space_below_keeps_its_data()
    {
        // The realloc pattern: a 2 MiB buffer under a read-only page cannot grow in place, and the
        // top-down search puts the new copy right below it, in the gap the old range leaves.
        var (_, mm) = TestMachines.NewProcess();
        Assert.Equal(Errno.Ok, mm.Mmap(0, P, Protection.Read, PrivateAnon, out ulong guard));
        Assert.Equal(Errno.Ok, mm.Mmap(0, Page.LargeSize, Protection.ReadWrite, PrivateAnon, out ulong buffer));
        Assert.Equal(guard - Page.LargeSize, buffer); // precondition: the buffer sits right below the guard
        const int pages = (int)(Page.LargeSize / P);
        for (int i = 0; i < pages; i++)
        {
            Poke(mm, buffer + (ulong)i * P, (byte)i);
        }

        var r = mm.Mremap(buffer, Page.LargeSize, 2 * Page.LargeSize, MremapFlags.MayMove, 0, out ulong moved);

        Assert.Equal(Errno.Ok, r); // blocked by the guard, so it moves
        Assert.Equal(buffer - 2 * Page.LargeSize, moved); // top-down: right below the old buffer
        for (int i = 0; i < pages; i++)
        {
            Assert.True((byte)i == Peek(mm, moved + (ulong)i * P), $"page {i} of the moved buffer lost its data");
        }
    }
}

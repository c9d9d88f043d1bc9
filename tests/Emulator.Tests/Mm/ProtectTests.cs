using Emulator.Core;
using Emulator.Core.Mm;
using Emulator.Core.Notifiers;
using Emulator.Core.Paging;
using Emulator.Tests.Support;
using static Emulator.Tests.Mm.MmKit;

namespace Emulator.Tests.Mm;

/// <summary>mprotect and madvise: what a program can still do afterwards, what devices are told,
/// and when frames die.</summary>
public class ProtectTests
{
    private const ulong A = 0x5000_0000;

    // ---- mprotect ------------------------------------------------------------------------------

    [Fact]
    public void Read_only_refuses_writes_but_keeps_the_data_readable()
    {
        var (_, mm) = TestMachines.NewProcess();
        MapAt(mm, A, 2);
        Fill(mm, A, 2, 0x71);
        ulong pfn = Pfn(mm, A + P);

        Assert.Equal(Errno.Ok, mm.Mprotect(A, 2 * P, Protection.Read));

        Assert.Equal(Errno.EFAULT, TryPoke(mm, A + P + 3, 9, out ulong fault)); // a store is SIGSEGV
        Assert.Equal(A + P + 3, fault); // at the exact byte
        Assert.Equal(0x71, Peek(mm, A + P)); // loads still work, data intact
        var e = mm.LeafEntry(A + P);
        Assert.True(e.Present && !e.Writable, e.ToString()); // the PTE lost W but kept its frame
        Assert.Equal(pfn, e.Pfn);
        Assert.Equal(Protection.Read, mm.FindVma(A)!.Prot); // the VMA records the new protection
    }

    [Fact]
    public void Prot_none_keeps_the_frame_and_restoring_access_keeps_the_data()
    {
        var (machine, mm) = TestMachines.NewProcess();
        MapAt(mm, A, 1);
        Poke(mm, A, 0x77);
        ulong pfn = Pfn(mm, A);
        uint gen = machine.Frames.Generation(pfn);
        long frames = machine.Frames.AllocatedFrames;

        Assert.Equal(Errno.Ok, mm.Mprotect(A, P, Protection.None));

        Assert.Equal(Errno.EFAULT, TryPeek(mm, A, out ulong fault)); // even a load faults
        Assert.Equal(A, fault); // at the exact address
        var e = mm.LeafEntry(A);
        Assert.True(e.IsProtNone && !e.Present, e.ToString()); // hardware sees not-present; the mm still owns the frame
        Assert.Equal(pfn, e.Pfn);
        Assert.Equal(1, machine.Frames.RefCount(pfn)); // reference unchanged
        Assert.True(machine.Frames.IsLive(pfn, gen)); // never freed
        Assert.Equal(frames, machine.Frames.AllocatedFrames); // nothing freed, nothing allocated

        Assert.Equal(Errno.Ok, mm.Mprotect(A, P, Protection.ReadWrite));

        Assert.Equal(0x77, Peek(mm, A)); // the data came back
        Poke(mm, A, 0x78);
        Assert.Equal(pfn, Pfn(mm, A)); // a store reuses the sole frame, no copy
        Assert.Equal(frames, machine.Frames.AllocatedFrames); // still the same single frame
    }

    [Fact]
    public void Downgrade_is_bracketed_with_ProtectionVma()
    {
        var (_, mm) = TestMachines.NewProcess();
        MapAt(mm, A, 3);
        Fill(mm, A, 3, 1);
        var ops = Subscribe(mm);

        Assert.Equal(Errno.Ok, mm.Mprotect(A, 3 * P, Protection.Read));

        Assert.Equal(Bracket(A, A + 3 * P, MmuNotifierEvent.ProtectionVma), ops.Snapshot()); // start, secondary TLBs, end
    }

    [Fact]
    public void Downgrade_of_untouched_pages_needs_no_secondary_invalidation()
    {
        var (_, mm) = TestMachines.NewProcess();
        MapAt(mm, A, 3);
        var ops = Subscribe(mm);

        Assert.Equal(Errno.Ok, mm.Mprotect(A, 3 * P, Protection.Read));

        // No entry changed, so no device can hold a translation to drop.
        Assert.Equal(BracketWithoutSecondary(A, A + 3 * P, MmuNotifierEvent.ProtectionVma), ops.Snapshot());
    }

    [Theory]
    [InlineData(Protection.Read, Protection.ReadWrite)]
    [InlineData(Protection.Read, Protection.Read | Protection.Exec)]
    [InlineData(Protection.None, Protection.Read)]
    [InlineData(Protection.ReadWrite, Protection.ReadWrite | Protection.Exec)]
    public void Upgrade_sends_no_invalidation(Protection from, Protection to)
    {
        var (_, mm) = TestMachines.NewProcess();
        MapAt(mm, A, 2);
        Fill(mm, A, 2, 1);
        Assert.Equal(Errno.Ok, mm.Mprotect(A, 2 * P, from));
        var ops = Subscribe(mm);

        Assert.Equal(Errno.Ok, mm.Mprotect(A, 2 * P, to));

        Assert.Empty(ops.Snapshot()); // granting a permission cannot make a cached translation wrong
        Assert.Equal(1, Peek(mm, A + P)); // and the new permission works
    }

    [Theory]
    [InlineData(Protection.ReadWrite | Protection.Exec, Protection.ReadWrite)]
    [InlineData(Protection.ReadWrite, Protection.Read | Protection.Exec)] // loses W although it gains X
    public void Any_removed_permission_is_a_downgrade(Protection from, Protection to)
    {
        var (_, mm) = TestMachines.NewProcess();
        MapAt(mm, A, 1, from);
        Poke(mm, A, 1);
        var ops = Subscribe(mm);

        Assert.Equal(Errno.Ok, mm.Mprotect(A, P, to));

        Assert.Equal(Bracket(A, A + P, MmuNotifierEvent.ProtectionVma), ops.Snapshot()); // a device may hold the lost permission
    }

    [Fact]
    public void Mprotect_starting_in_a_hole_is_ENOMEM_and_changes_nothing()
    {
        var (_, mm) = TestMachines.NewProcess();
        MapAt(mm, A + P, 2);
        Fill(mm, A + P, 2, 5);
        var ops = Subscribe(mm);

        Assert.Equal(Errno.ENOMEM, mm.Mprotect(A, 3 * P, Protection.Read)); // page A is unmapped

        Assert.Equal([(A + P, A + 3 * P, Protection.ReadWrite, false)], VmaList(mm)); // still read-write
        Poke(mm, A + P, 6); // stores still work
        Assert.Empty(ops.Snapshot()); // and nothing was invalidated
    }

    [Fact]
    public void Mprotect_across_a_hole_is_ENOMEM_and_leaves_the_pages_after_it_alone()
    {
        var (_, mm) = TestMachines.NewProcess();
        MapAt(mm, A, 1);
        MapAt(mm, A + 2 * P, 1);

        Assert.Equal(Errno.ENOMEM, mm.Mprotect(A, 3 * P, Protection.Read)); // page A + P is unmapped

        Assert.Equal(Protection.ReadWrite, mm.FindVma(A + 2 * P)!.Prot); // Linux stops at the hole too
    }

    [Theory]
    [InlineData("unaligned address", A + 0x800, P, Protection.Read)]
    [InlineData("unknown prot bit", A, P, (Protection)0x10)]
    public void Invalid_mprotect_is_EINVAL(string what, ulong addr, ulong length, Protection prot)
    {
        var (_, mm) = TestMachines.NewProcess();
        MapAt(mm, A, 1);

        var r = mm.Mprotect(addr, length, prot);

        Assert.True(r == Errno.EINVAL, $"{what}: got {r}"); // Linux's errno for a malformed mprotect
        Assert.Equal(Protection.ReadWrite, mm.FindVma(A)!.Prot); // unchanged
    }

    [Fact]
    public void Mprotect_splits_a_vma_and_restoring_merges_it_back()
    {
        var (_, mm) = TestMachines.NewProcess();
        MapAt(mm, A, 3);
        Fill(mm, A, 3, 0x3c);

        Assert.Equal(Errno.Ok, mm.Mprotect(A + P, P, Protection.Read));
        Assert.Equal(
            [(A, A + P, Protection.ReadWrite, false), (A + P, A + 2 * P, Protection.Read, false), (A + 2 * P, A + 3 * P, Protection.ReadWrite, false)],
            VmaList(mm)); // three pieces

        Assert.Equal(Errno.Ok, mm.Mprotect(A + P, P, Protection.ReadWrite));
        Assert.Equal([(A, A + 3 * P, Protection.ReadWrite, false)], VmaList(mm)); // one VMA again
        Assert.Equal(0x3c, Peek(mm, A + P)); // the round trip kept the data
    }

    [Fact]
    public void Shared_mapping_split_by_mprotect_merges_back_and_keeps_its_pages()
    {
        var (_, mm) = TestMachines.NewProcess();
        MapAt(mm, A, 3, shared: true);
        for (int i = 0; i < 3; i++)
        {
            Poke(mm, A + (ulong)i * P, (byte)(0x90 + i));
        }

        Assert.Equal(Errno.Ok, mm.Mprotect(A + P, P, Protection.Read));
        Assert.Equal(Errno.Ok, mm.Mprotect(A + P, P, Protection.ReadWrite));

        Assert.Equal([(A, A + 3 * P, Protection.ReadWrite, true)], VmaList(mm)); // contiguous offsets in one object: merged
        Assert.Equal(0x92, Peek(mm, A + 2 * P)); // the tail still maps its own page of the object
    }

    // ---- madvise -------------------------------------------------------------------------------

    [Fact]
    public void Dontneed_on_private_memory_frees_the_frame_after_the_secondary_invalidation()
    {
        var (machine, mm) = TestMachines.NewProcess();
        MapAt(mm, A, 1);
        Poke(mm, A, 0xab);
        ulong pfn = Pfn(mm, A);
        uint gen = machine.Frames.Generation(pfn);
        long frames = machine.Frames.AllocatedFrames;
        bool? liveDuringSecondary = null;
        var ops = Subscribe(mm);
        ops.OnSecondary = (_, _, _) => liveDuringSecondary = machine.Frames.IsLive(pfn, gen);

        Assert.Equal(Errno.Ok, mm.Madvise(A, P, Advice.DontNeed));

        Assert.Equal(Bracket(A, A + P, MmuNotifierEvent.Clear), ops.Snapshot()); // DONTNEED is a Clear in shootdown order
        Assert.True(liveDuringSecondary); // a device could still use it while invalidating
        Assert.False(machine.Frames.IsLive(pfn, gen)); // freed afterwards
        Assert.Equal(gen + 1, machine.Frames.Generation(pfn)); // one free, one generation step
        Assert.Equal(frames - 1, machine.Frames.AllocatedFrames); // only the data frame; the table stays
        Assert.False(mm.LeafEntry(A).Present); // the entry is empty until the next touch
        Assert.Equal(0, Peek(mm, A)); // the next touch reads zeros
        Assert.Equal([(A, A + P, Protection.ReadWrite, false)], VmaList(mm)); // the mapping itself stays
    }

    [Fact]
    public void Dontneed_on_shared_memory_keeps_the_data()
    {
        var (machine, mm) = TestMachines.NewProcess();
        MapAt(mm, A, 1, shared: true);
        Poke(mm, A, 0x42);
        ulong pfn = Pfn(mm, A);

        Assert.Equal(Errno.Ok, mm.Madvise(A, P, Advice.DontNeed));

        Assert.False(mm.LeafEntry(A).Present); // the mapping was dropped
        Assert.Equal(1, machine.Frames.RefCount(pfn)); // the object still holds the page
        Assert.Equal(0x42, Peek(mm, A)); // so the data survives, as with shmem
        Assert.Equal(pfn, Pfn(mm, A)); // refaulted to the same page
    }

    [Fact]
    public void Madvise_over_a_hole_is_ENOMEM_but_the_mapped_parts_are_still_dropped()
    {
        var (_, mm) = TestMachines.NewProcess();
        MapAt(mm, A, 1);
        MapAt(mm, A + 2 * P, 1);
        Poke(mm, A, 1);
        Poke(mm, A + 2 * P, 2);
        var ops = Subscribe(mm);

        Assert.Equal(Errno.ENOMEM, mm.Madvise(A, 3 * P, Advice.DontNeed)); // the hole is reported

        Assert.Equal(
            [.. Bracket(A, A + P, MmuNotifierEvent.Clear), .. Bracket(A + 2 * P, A + 3 * P, MmuNotifierEvent.Clear)],
            ops.Snapshot()); // each mapped piece, not the hole
        Assert.Equal(0, Peek(mm, A)); // both pieces were dropped
        Assert.Equal(0, Peek(mm, A + 2 * P)); // including the one after the hole
    }

    [Theory]
    [InlineData("unknown advice", A, (Advice)5)]
    [InlineData("unknown advice", A, (Advice)999)]
    [InlineData("unaligned address", A + 1, Advice.DontNeed)]
    public void Invalid_madvise_is_EINVAL_and_drops_nothing(string what, ulong addr, Advice advice)
    {
        var (_, mm) = TestMachines.NewProcess();
        MapAt(mm, A, 1);
        Poke(mm, A, 0x5e);

        var r = mm.Madvise(addr, P, advice);

        Assert.True(r == Errno.EINVAL, $"{what}: got {r}"); // Linux's errno for a malformed madvise
        Assert.Equal(0x5e, Peek(mm, A)); // nothing was dropped
    }

    [Theory]
    [InlineData(Advice.Normal)]
    [InlineData(Advice.WillNeed)]
    [InlineData(Advice.Cold)]
    [InlineData(Advice.HugePage)]
    public void Hints_are_accepted_and_change_nothing(Advice advice)
    {
        var (_, mm) = TestMachines.NewProcess();
        MapAt(mm, A, 1);
        Poke(mm, A, 0x5e);
        var ops = Subscribe(mm);

        Assert.Equal(Errno.Ok, mm.Madvise(A, P, advice));

        Assert.Equal(0x5e, Peek(mm, A)); // the page kept its data
        Assert.Empty(ops.Snapshot()); // and no device was disturbed
    }
}

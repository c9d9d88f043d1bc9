using Emulator.Core;
using Emulator.Core.Mm;
using Emulator.Core.Notifiers;
using Emulator.Core.Paging;
using Emulator.Tests.Support;
using static Emulator.Tests.Mm.MmKit;

namespace Emulator.Tests.Mm;

/// <summary>fork with copy-on-write: what each side sees, who owns which frame, what devices are
/// told, and that a failed fork leaves nothing behind.</summary>
public class ForkCowTests
{
    private const ulong A = 0x5000_0000;

    private static (Machine Machine, AddressSpace Parent, AddressSpace Child) Forked(int pages, byte first = 0x10)
    {
        var (machine, parent) = TestMachines.NewProcess();
        MapAt(parent, A, pages);
        for (int i = 0; i < pages; i++)
        {
            Poke(parent, A + (ulong)i * P, (byte)(first + i));
        }
        Assert.Equal(Errno.Ok, parent.Fork(out var child));
        Assert.NotNull(child);
        return (machine, parent, child!);
    }

    [Fact]
    public void Child_sees_the_parents_memory_layout_and_data()
    {
        var (_, parent) = TestMachines.NewProcess();
        MapAt(parent, A, 3);
        for (int i = 0; i < 3; i++)
        {
            Poke(parent, A + (ulong)i * P, (byte)(0x10 + i));
        }
        MapAt(parent, 0x6000_0000, 1, Protection.Read);
        ulong brk = parent.Brk(parent.CurrentBrk + 2 * P);

        Assert.Equal(Errno.Ok, parent.Fork(out var child));

        Assert.Equal(VmaList(parent), VmaList(child!)); // the same VMAs
        Assert.Equal(brk, child!.CurrentBrk); // and the same break
        for (int i = 0; i < 3; i++)
        {
            Assert.Equal((byte)(0x10 + i), Peek(child, A + (ulong)i * P)); // and the same contents
        }
    }

    [Fact]
    public void Both_entries_become_read_only_on_one_frame_with_two_references()
    {
        var (machine, parent) = TestMachines.NewProcess();
        MapAt(parent, A, 1);
        Poke(parent, A, 1);
        ulong pfn = Pfn(parent, A);
        long frames = machine.Frames.AllocatedFrames;

        Assert.Equal(Errno.Ok, parent.Fork(out var child));

        var p = parent.LeafEntry(A);
        var c = child!.LeafEntry(A);
        Assert.True(p.Present && !p.Writable, p.ToString()); // the parent lost W: its next store must fault
        Assert.True(c.Present && !c.Writable, c.ToString()); // the child's copy of the entry too
        Assert.Equal(pfn, p.Pfn);
        Assert.Equal(pfn, c.Pfn); // no copy at fork time
        Assert.Equal(2, machine.Frames.RefCount(pfn)); // one reference per PTE
        Assert.Equal(frames + 4, machine.Frames.AllocatedFrames); // only the child's root, PDPT, PD and PT
    }

    [Fact]
    public void Parents_write_protection_is_announced_with_ProtectionPage()
    {
        var (_, parent) = TestMachines.NewProcess();
        MapAt(parent, A, 2);
        Fill(parent, A, 2, 1);
        MapAt(parent, 0x6000_0000, 1, Protection.Read); // already read-only: nothing to announce
        Poke(parent, MapAt(parent, 0x7000_0000, 1, shared: true), 1); // stays writable in both: nothing to announce
        var ops = Subscribe(parent);

        Assert.Equal(Errno.Ok, parent.Fork(out _));

        Assert.Equal(Bracket(A, A + 2 * P, MmuNotifierEvent.ProtectionPage), ops.Snapshot()); // exactly the private writable VMA
    }

    [Fact]
    public void Write_in_the_child_breaks_cow_onto_a_new_frame()
    {
        var (machine, parent, child) = Forked(1, 0x10);
        ulong shared = Pfn(parent, A);

        Poke(child, A, 0x99);

        ulong copy = Pfn(child, A);
        Assert.NotEqual(shared, copy); // the child got its own frame
        Assert.True(child.LeafEntry(A).Writable); // and may keep writing it
        Assert.Equal(0x99, Peek(child, A));
        Assert.Equal(0x10, Peek(parent, A)); // the parent's data is untouched
        Assert.Equal(shared, Pfn(parent, A)); // on its original frame
        Assert.Equal(1, machine.Frames.RefCount(shared)); // the child's reference was dropped
        Assert.Equal(1, machine.Frames.RefCount(copy)); // the copy is the child's alone
        Assert.Equal(1, child.Stats.CowBreaks); // exactly one copy was made
    }

    [Fact]
    public void Copy_keeps_the_rest_of_the_page()
    {
        var (_, parent) = TestMachines.NewProcess();
        MapAt(parent, A, 1);
        var pattern = new byte[P];
        for (int i = 0; i < pattern.Length; i++)
        {
            pattern[i] = (byte)(i * 31 + 7);
        }
        Assert.Equal(Errno.Ok, parent.WriteUser(A, pattern, out _));
        Assert.Equal(Errno.Ok, parent.Fork(out var child));

        Poke(child!, A + 100, 0);

        var seen = new byte[P];
        Assert.Equal(Errno.Ok, child!.ReadUser(A, seen, out _));
        pattern[100] = 0;
        Assert.Equal(pattern, seen); // the copy is the whole page, with only the store applied
    }

    [Fact]
    public void Write_in_the_parent_after_the_child_broke_cow_reuses_its_frame()
    {
        var (machine, parent, child) = Forked(1);
        ulong pfn = Pfn(parent, A);
        Poke(child, A, 0x99);
        long frames = machine.Frames.AllocatedFrames;

        Poke(parent, A, 0x55);

        Assert.Equal(pfn, Pfn(parent, A)); // the sole user keeps its frame: no copy
        Assert.True(parent.LeafEntry(A).Writable); // and may write it from now on
        Assert.Equal(frames, machine.Frames.AllocatedFrames); // nothing allocated
        Assert.Equal(1, parent.Stats.CowReuses); // counted as a reuse
        Assert.Equal(0, parent.Stats.CowBreaks); // not as a copy
        Assert.Equal(0x99, Peek(child, A)); // the child's copy is separate
    }

    [Fact]
    public void Cow_break_is_bracketed_with_Clear_and_does_not_free_the_shared_frame()
    {
        var (machine, parent, child) = Forked(1);
        ulong shared = Pfn(parent, A);
        uint gen = machine.Frames.Generation(shared);
        bool? liveDuringSecondary = null;
        var ops = Subscribe(child);
        ops.OnSecondary = (_, _, _) => liveDuringSecondary = machine.Frames.IsLive(shared, gen);

        Poke(child, A + 5, 1);

        Assert.Equal(Bracket(A, A + P, MmuNotifierEvent.Clear), ops.Snapshot()); // the child's read-only translation is dropped
        Assert.True(liveDuringSecondary); // the frame a device may still use is live while it is told
        Assert.True(machine.Frames.IsLive(shared, gen)); // still the parent's: never freed, same generation
    }

    [Fact]
    public void Cow_break_without_memory_is_OutOfMemory_and_keeps_the_page_shared()
    {
        var (machine, parent) = TestMachines.NewProcess(ramSize: 1UL << 20);
        MapAt(parent, A, 1);
        Poke(parent, A, 0x61);
        Assert.Equal(Errno.Ok, parent.Fork(out var child));
        ulong pfn = Pfn(parent, A);
        var hog = Hog(machine.Frames, 0);

        Assert.Equal(FaultResult.OutOfMemory, child!.HandleFault(A, write: true)); // no frame for the copy
        Assert.Equal(Errno.EFAULT, TryPoke(child, A + 1, 0x62, out ulong fault)); // SIGBUS for the program
        Assert.Equal(A + 1, fault);
        var e = child.LeafEntry(A);
        Assert.True(e.Present && !e.Writable && e.Pfn == pfn, e.ToString()); // still the shared, read-only entry
        Assert.Equal(2, machine.Frames.RefCount(pfn)); // no reference gained or lost
        Assert.Equal(0x61, Peek(parent, A));

        Unhog(machine.Frames, hog);
        Poke(child, A, 0x62); // with memory back, the store succeeds
        Assert.Equal(0x61, Peek(parent, A)); // on the child's own copy
    }

    [Fact]
    public void Shared_mapping_stays_shared_across_fork()
    {
        var (machine, parent) = TestMachines.NewProcess();
        MapAt(parent, A, 1, shared: true);
        Poke(parent, A, 1);
        ulong pfn = Pfn(parent, A);

        Assert.Equal(Errno.Ok, parent.Fork(out var child));
        Poke(child!, A, 0x77);

        Assert.Equal(0x77, Peek(parent, A)); // the child's store is visible to the parent
        Assert.Equal(pfn, Pfn(child!, A)); // no copy was made
        Assert.True(parent.LeafEntry(A).Writable); // and nobody was write-protected
        Assert.Equal(3, machine.Frames.RefCount(pfn)); // the object and two PTEs
        Poke(parent, A, 0x78);
        Assert.Equal(0x78, Peek(child!, A)); // and the other way round
    }

    [Fact]
    public void Read_only_private_pages_are_shared_and_copied_only_when_made_writable_and_written()
    {
        var (machine, parent) = TestMachines.NewProcess();
        MapAt(parent, A, 1);
        Poke(parent, A, 0x31);
        Assert.Equal(Errno.Ok, parent.Mprotect(A, P, Protection.Read));
        ulong pfn = Pfn(parent, A);
        Assert.Equal(Errno.Ok, parent.Fork(out var child));

        Assert.Equal(Errno.Ok, child!.Mprotect(A, P, Protection.ReadWrite));
        Poke(child, A, 0x32);

        Assert.NotEqual(pfn, Pfn(child, A)); // the upgrade kept the COW page read-only, so the store copied
        Assert.Equal(0x31, Peek(parent, A)); // the parent never saw the child's store
        Assert.Equal(1, machine.Frames.RefCount(pfn)); // and holds the original alone
    }

    [Fact]
    public void Child_does_not_inherit_notifier_subscriptions()
    {
        var (_, parent) = TestMachines.NewProcess();
        MapAt(parent, A, 1);
        Poke(parent, A, 1);
        var ops = Subscribe(parent);

        Assert.Equal(Errno.Ok, parent.Fork(out var child));
        var afterFork = ops.Snapshot();
        Assert.Equal(Errno.Ok, child!.Munmap(A, P));

        Assert.Equal(0, child.Notifiers.Count); // a device bound to the parent is not bound to the child
        Assert.Equal(afterFork, ops.Snapshot()); // the child's munmap reached no parent subscriber
    }

    [Fact]
    public void Dontneed_in_the_parent_drops_only_its_reference_to_a_cow_page()
    {
        var (machine, parent, child) = Forked(1, 0x44);
        ulong pfn = Pfn(parent, A);

        Assert.Equal(Errno.Ok, parent.Madvise(A, P, Advice.DontNeed));

        Assert.Equal(0, Peek(parent, A)); // the parent's view is zero-filled again
        Assert.Equal(0x44, Peek(child, A)); // the child keeps the data
        Assert.Equal(1, machine.Frames.RefCount(pfn)); // on the frame it now holds alone
    }

    [Fact]
    public void Exit_of_the_child_frees_only_the_childs_frames()
    {
        var (machine, parent) = TestMachines.NewProcess();
        MapAt(parent, A, 3);
        for (int i = 0; i < 3; i++)
        {
            Poke(parent, A + (ulong)i * P, (byte)(0x10 + i));
        }
        ulong[] pfns = [Pfn(parent, A), Pfn(parent, A + P), Pfn(parent, A + 2 * P)];
        long frames = machine.Frames.AllocatedFrames;
        Assert.Equal(Errno.Ok, parent.Fork(out var child));
        Poke(child!, A, 0x99); // one private copy in the child

        child!.Exit();

        Assert.Equal(frames, machine.Frames.AllocatedFrames); // the child's tables, root and copy are gone
        foreach (var pfn in pfns)
        {
            Assert.Equal(1, machine.Frames.RefCount(pfn)); // the parent holds its frames alone again
        }
        for (int i = 0; i < 3; i++)
        {
            Assert.Equal((byte)(0x10 + i), Peek(parent, A + (ulong)i * P)); // the parent's data is intact
        }
        Poke(parent, A + P, 0x55);
        Assert.Equal(pfns[1], Pfn(parent, A + P)); // reused, not copied
    }

    [Fact]
    public void Exit_of_the_parent_leaves_the_child_intact()
    {
        var (machine, parent, child) = Forked(2, 0x20);
        ulong pfn = Pfn(child, A);

        parent.Exit();

        Assert.Equal(0x20, Peek(child, A)); // the child's view survives the parent
        Assert.Equal(0x21, Peek(child, A + P));
        Assert.Equal(1, machine.Frames.RefCount(pfn)); // the parent's references are gone
        child.Exit();
        Assert.Equal(0L, machine.Frames.AllocatedFrames); // together they freed everything
    }

    [Fact]
    public void Fork_without_memory_is_ENOMEM_at_every_stage_and_leaks_nothing()
    {
        var (machine, parent) = TestMachines.NewProcess(ramSize: 1UL << 20);
        // Three pages in three 2 MiB regions: the child needs a root, a PDPT, a PD and three PTs.
        ulong[] pages = [0x1000_0000, 0x1020_0000, 0x1040_0000];
        foreach (var va in pages)
        {
            MapAt(parent, va, 1);
            Poke(parent, va, (byte)(va >> 21));
        }
        const int childTables = 6;

        for (int free = 0; free < childTables; free++)
        {
            var hog = Hog(machine.Frames, free);
            long frames = machine.Frames.AllocatedFrames;

            Assert.True(Errno.ENOMEM == parent.Fork(out var child), $"{free} free frames: fork should fail");

            Assert.Null(child); // no half-built child is handed out
            Assert.True(frames == machine.Frames.AllocatedFrames, $"{free} free frames: the failed child leaked frames");
            foreach (var va in pages)
            {
                Assert.Equal(1, machine.Frames.RefCount(Pfn(parent, va))); // no reference left behind
                Poke(parent, va, 0xff); // the parent still writes, without a copy (no frame is free for one)
            }
            Unhog(machine.Frames, hog);
        }

        var enough = Hog(machine.Frames, childTables);
        Assert.Equal(Errno.Ok, parent.Fork(out var ok)); // exactly enough frames succeeds
        Assert.Equal(0xff, Peek(ok!, pages[2])); // and the child sees the parent's latest data
        Unhog(machine.Frames, enough);
    }
}

using Emulator.Core;
using Emulator.Core.Mm;
using Emulator.Core.Notifiers;
using Emulator.Core.Paging;
using Emulator.Tests.Support;
using static Emulator.Tests.Mm.MmKit;

namespace Emulator.Tests.Mm;

/// <summary>Page migration (new frames, old ones freed only after devices let go) and exit (release
/// first, then every frame back, then ESRCH).</summary>
public class MigrateExitTests
{
    private const ulong A = 0x5000_0000;

    // ---- migrate -------------------------------------------------------------------------------

    [Fact]
    public void Migrate_moves_the_data_to_new_frames_and_frees_the_old_ones_after_the_invalidation()
    {
        var (machine, mm) = TestMachines.NewProcess();
        MapAt(mm, A, 3);
        for (int i = 0; i < 3; i++)
        {
            Poke(mm, A + (ulong)i * P, (byte)(0xc0 + i));
        }
        ulong[] olds = [Pfn(mm, A), Pfn(mm, A + P), Pfn(mm, A + 2 * P)];
        uint[] gens = [.. olds.Select(machine.Frames.Generation)];
        long frames = machine.Frames.AllocatedFrames;
        var liveDuringSecondary = new List<bool>();
        var ops = Subscribe(mm);
        ops.OnSecondary = (_, _, _) => liveDuringSecondary.AddRange(olds.Select((p, i) => machine.Frames.IsLive(p, gens[i])));

        Assert.Equal(Errno.Ok, mm.Migrate(A, 3 * P, out int migrated, out int skipped));

        Assert.Equal((3, 0), (migrated, skipped)); // every resident private page moved
        Assert.Equal(Bracket(A, A + 3 * P, MmuNotifierEvent.Migrate), ops.Snapshot()); // announced as Migrate, in shootdown order
        Assert.Equal([true, true, true], liveDuringSecondary); // devices were told while the old frames were live
        for (int i = 0; i < 3; i++)
        {
            ulong va = A + (ulong)i * P;
            Assert.NotEqual(olds[i], Pfn(mm, va)); // a new frame behind the same address
            Assert.Equal((byte)(0xc0 + i), Peek(mm, va)); // with the same contents
            Assert.False(machine.Frames.IsLive(olds[i], gens[i])); // the old frame was freed
            Assert.Equal(gens[i] + 1, machine.Frames.Generation(olds[i])); // so a stale device access is provable
        }
        Assert.Equal(frames, machine.Frames.AllocatedFrames); // one new frame for each one freed
        Assert.Equal(3, mm.Stats.PagesMigrated); // and counted
    }

    [Fact]
    public void Migrate_keeps_the_permissions_and_dirty_state()
    {
        var (_, mm) = TestMachines.NewProcess();
        MapAt(mm, A, 1);
        Poke(mm, A, 1);
        var before = mm.LeafEntry(A);

        Assert.Equal(Errno.Ok, mm.Migrate(A, P, out _, out _));

        var after = mm.LeafEntry(A);
        Assert.Equal(before.WithPfn(after.Pfn), after); // only the frame number changed
    }

    [Fact]
    public void Migrate_shoots_down_an_attached_cpu_tlb()
    {
        var (machine, mm) = TestMachines.NewProcess();
        MapAt(mm, A, 1);
        Poke(mm, A, 1);
        var cpu = AttachCpu(machine, mm);
        ulong oldPa = CacheTranslation(cpu, A, UserRead);

        Assert.Equal(Errno.Ok, mm.Migrate(A, P, out _, out _));

        var r = cpu.Translate(A, UserRead);
        Assert.True(r.IsOk && !r.Translation.FromTlb); // re-walked, not the cached old frame
        Assert.NotEqual(oldPa, r.Translation.PhysicalAddress);
        Assert.Equal(Pfn(mm, A) << 12, r.Translation.PhysicalAddress); // the CPU now uses the new frame
    }

    [Fact]
    public void Cow_shared_pages_are_skipped()
    {
        var (_, mm) = TestMachines.NewProcess();
        MapAt(mm, A, 2);
        Fill(mm, A, 2, 1);
        Assert.Equal(Errno.Ok, mm.Fork(out var child));
        ulong pfn = Pfn(mm, A);
        var ops = Subscribe(mm);

        Assert.Equal(Errno.Ok, mm.Migrate(A, 2 * P, out int migrated, out int skipped));

        Assert.Equal((0, 2), (migrated, skipped)); // the child's PTEs could not be updated (no reverse map)
        Assert.Equal(pfn, Pfn(mm, A)); // unmoved
        Assert.Equal(pfn, Pfn(child!, A)); // both still share the frame
        Assert.Empty(ops.Snapshot()); // nothing moved, nothing announced
    }

    [Fact]
    public void Shared_mapping_pages_are_skipped()
    {
        var (_, mm) = TestMachines.NewProcess();
        MapAt(mm, A, 1, shared: true);
        Poke(mm, A, 1);
        ulong pfn = Pfn(mm, A);

        Assert.Equal(Errno.Ok, mm.Migrate(A, P, out int migrated, out int skipped));

        Assert.Equal((0, 1), (migrated, skipped)); // the object and other mappers would keep the old frame
        Assert.Equal(pfn, Pfn(mm, A)); // unmoved
    }

    [Fact]
    public void Untouched_pages_are_neither_migrated_nor_skipped()
    {
        var (_, mm) = TestMachines.NewProcess();
        MapAt(mm, A, 4);
        Poke(mm, A, 1);
        Poke(mm, A + 3 * P, 2);
        var ops = Subscribe(mm);

        Assert.Equal(Errno.Ok, mm.Migrate(A, 4 * P, out int migrated, out int skipped));

        Assert.Equal((2, 0), (migrated, skipped)); // only resident pages count
        Assert.Equal(Bracket(A, A + 4 * P, MmuNotifierEvent.Migrate), ops.Snapshot()); // one range for the whole request
        Assert.False(mm.LeafEntry(A + P).Present); // migration does not fault pages in
    }

    [Fact]
    public void Migrate_over_a_hole_is_EFAULT_and_moves_nothing()
    {
        var (_, mm) = TestMachines.NewProcess();
        MapAt(mm, A, 1);
        Poke(mm, A, 1);
        ulong pfn = Pfn(mm, A);

        Assert.Equal(Errno.EFAULT, mm.Migrate(A, 2 * P, out int migrated, out int skipped)); // A + P is unmapped

        Assert.Equal((0, 0), (migrated, skipped));
        Assert.Equal(pfn, Pfn(mm, A)); // even the mapped page stayed put
    }

    [Fact]
    public void Migrate_without_free_frames_is_ENOMEM_and_moves_nothing()
    {
        var (machine, mm) = TestMachines.NewProcess(ramSize: 1UL << 20);
        MapAt(mm, A, 3);
        Fill(mm, A, 3, 0x3e);
        ulong[] pfns = [Pfn(mm, A), Pfn(mm, A + P), Pfn(mm, A + 2 * P)];
        var hog = Hog(machine.Frames, 2); // room for two copies, not three
        var ops = Subscribe(mm);

        Assert.Equal(Errno.ENOMEM, mm.Migrate(A, 3 * P, out int migrated, out _)); // all or nothing

        Assert.Equal(0, migrated);
        Assert.Equal(2L, machine.Frames.FreeFrames); // the two copies it did get were given back
        Assert.Equal(pfns, new[] { Pfn(mm, A), Pfn(mm, A + P), Pfn(mm, A + 2 * P) }); // every page still on its frame
        Assert.Empty(ops.Snapshot()); // it failed before touching any entry
        Assert.Equal(0x3e, Peek(mm, A + 2 * P)); // data intact
        Unhog(machine.Frames, hog);
    }

    // ---- exit ----------------------------------------------------------------------------------

    [Fact]
    public void Exit_frees_every_frame_including_page_tables_and_the_root()
    {
        var (machine, mm) = TestMachines.NewProcess();
        Fill(mm, MapAt(mm, A, 4), 4, 1);
        Fill(mm, MapAt(mm, 0x100_0000_0000, 2), 2, 2); // another PML4 slot
        Fill(mm, MapAt(mm, 0x6000_0000, 2, shared: true), 2, 3);
        MapAt(mm, 0x7000_0000, 1, Protection.ReadWrite);
        Poke(mm, 0x7000_0000, 4);
        Assert.Equal(Errno.Ok, mm.Mprotect(0x7000_0000, P, Protection.None)); // a PROT_NONE page still owns a frame
        ulong heap = mm.CurrentBrk;
        mm.Brk(heap + 2 * P);
        Fill(mm, heap, 2, 5);
        Assert.True(machine.Frames.AllocatedFrames > 1); // precondition: there is something to free

        mm.Exit();

        Assert.Equal(0L, machine.Frames.AllocatedFrames); // nothing of the only mm remains
        Assert.Equal(0UL, mm.RootPa); // no CR3 or SMMU TTB can point at the freed root
        Assert.False(mm.IsLive);
        Assert.Empty(mm.Vmas()); // no VMA survives
    }

    [Fact]
    public void Operations_after_exit_return_ESRCH()
    {
        var (_, mm) = TestMachines.NewProcess();
        MapAt(mm, A, 1);
        ulong brk = mm.CurrentBrk;
        mm.Exit();

        // Every syscall on a dead mm is ESRCH, as for a process that no longer exists.
        Assert.Equal(Errno.ESRCH, mm.Mmap(0, P, Protection.ReadWrite, PrivateAnon, out _));
        Assert.Equal(Errno.ESRCH, mm.Munmap(A, P));
        Assert.Equal(Errno.ESRCH, mm.Mprotect(A, P, Protection.Read));
        Assert.Equal(Errno.ESRCH, mm.Madvise(A, P, Advice.DontNeed));
        Assert.Equal(Errno.ESRCH, mm.Mremap(A, P, 2 * P, MremapFlags.MayMove, 0, out _));
        Assert.Equal(Errno.ESRCH, mm.Migrate(A, P, out _, out _));
        Assert.Equal(Errno.ESRCH, mm.Fork(out var child));
        Assert.Null(child);
        Assert.Equal(brk, mm.Brk(brk + P)); // brk cannot fail with an errno: it keeps the old break
        Assert.Equal(Errno.EFAULT, TryPeek(mm, A, out _)); // a user access to a dead mm is a fault
        Assert.Equal(Pte.None, mm.LeafEntry(A)); // inspection does not walk freed tables
    }

    [Theory]
    [InlineData(false, false)]
    [InlineData(true, false)]
    [InlineData(false, true)]
    public void HandleFault_after_exit_is_Dead(bool write, bool exec)
    {
        var (_, mm) = TestMachines.NewProcess();
        MapAt(mm, A, 1, Protection.ReadWrite | Protection.Exec);
        mm.Exit();

        Assert.Equal(FaultResult.Dead, mm.HandleFault(A, write, exec)); // a late device page request is refused, not served
    }

    [Fact]
    public void Exit_twice_is_harmless()
    {
        var (machine, mm) = TestMachines.NewProcess();
        Fill(mm, MapAt(mm, A, 2), 2, 1);
        var ops = Subscribe(mm);
        mm.Exit();

        mm.Exit();

        Assert.Equal(0L, machine.Frames.AllocatedFrames); // nothing freed twice (that would throw)
        Assert.Equal(1, ops.Releases); // release ran once
    }

    [Fact]
    public void Subscribers_see_release_before_any_teardown()
    {
        var (machine, mm) = TestMachines.NewProcess();
        Fill(mm, MapAt(mm, A, 2), 2, 1);
        ulong pfn = Pfn(mm, A);
        uint gen = machine.Frames.Generation(pfn);
        ulong root = mm.RootPa;
        long frames = machine.Frames.AllocatedFrames;
        (bool Live, long Frames, ulong Root)? atRelease = null;
        var ops = Subscribe(mm);
        ops.OnRelease = _ => atRelease = (machine.Frames.IsLive(pfn, gen), machine.Frames.AllocatedFrames, mm.RootPa);

        mm.Exit();

        Assert.Equal((true, frames, root), atRelease); // when release runs, every page, table and the root still exist
        Assert.Equal(["release"], ops.Snapshot()); // and nothing else reaches a released subscriber
    }

    [Fact]
    public void Shared_object_outlives_the_exit_of_one_of_its_mappers()
    {
        var (machine, parent) = TestMachines.NewProcess();
        Poke(parent, MapAt(parent, A, 1, shared: true), 0x6b);
        Assert.Equal(Errno.Ok, parent.Fork(out var child));

        parent.Exit();

        Assert.Equal(0x6b, Peek(child!, A)); // the child still maps the object's page
        child!.Exit();
        Assert.Equal(0L, machine.Frames.AllocatedFrames); // the last mapper freed the object's page
    }
}

using Emulator.Core;
using Emulator.Core.Memory;
using Emulator.Core.Mm;
using Emulator.Core.Paging;
using Emulator.Tests.Support;
using static Emulator.Tests.Mm.MmKit;

namespace Emulator.Tests.Mm;

/// <summary>Page faults: zero-filled demand paging in 4- and 5-level modes, running out of RAM as a
/// value, and the fault results a CPU or a device page request acts on.</summary>
public class DemandPagingTests
{
    private const ulong A = 0x4000_0000;

    [Fact]
    public void First_touch_maps_a_zeroed_frame_even_when_every_frame_was_dirtied_before()
    {
        var (machine, mm) = TestMachines.NewProcess(ramSize: 1UL << 20);
        MapAt(mm, A, 256);
        var ones = new byte[P];
        Array.Fill(ones, (byte)0xff);
        int dirtied = 0;
        while (mm.WriteUser(A + (ulong)dirtied * P, ones, out _) == Errno.Ok)
        {
            dirtied++;
        }
        Assert.Equal(0L, machine.Frames.FreeFrames); // every frame of RAM now holds 0xff or a page table
        Assert.Equal(Errno.Ok, mm.Munmap(A, 256 * P)); // all of it goes back to the allocator

        MapAt(mm, A + Page.HugeSize, dirtied);
        var page = new byte[P];
        for (int i = 0; i < dirtied; i++)
        {
            Assert.Equal(Errno.Ok, mm.ReadUser(A + Page.HugeSize + (ulong)i * P, page, out _));
            Assert.True(page.All(b => b == 0), $"page {i} (a recycled frame) was not zeroed");
        }
    }

    [Fact]
    public void Read_fault_maps_the_page_and_a_later_write_uses_the_same_frame()
    {
        var (_, mm) = TestMachines.NewProcess();
        MapAt(mm, A, 1);

        Assert.Equal(0, Peek(mm, A)); // a load of fresh memory reads zero
        var afterRead = mm.LeafEntry(A);
        Assert.True(afterRead.Present && afterRead.User && afterRead.NoExecute, afterRead.ToString()); // user, non-exec, as the VMA says
        Assert.False(afterRead.Dirty); // a load does not dirty the page
        Assert.Equal(1, mm.Stats.Faults); // one fault mapped it

        Poke(mm, A, 0x12);

        var afterWrite = mm.LeafEntry(A);
        Assert.Equal(afterRead.Pfn, afterWrite.Pfn); // no zero page in this model: the read fault's frame is kept
        Assert.True(afterWrite.Dirty); // the walker set D on the store
        Assert.Equal(1, mm.Stats.DemandPages); // one frame in all
        Assert.Equal(0x12, Peek(mm, A));
    }

    [Fact]
    public void Write_fault_maps_a_writable_dirty_page_in_one_fault()
    {
        var (_, mm) = TestMachines.NewProcess();
        MapAt(mm, A, 1);

        Assert.Equal(FaultResult.Resolved, mm.HandleFault(A + 0x123, write: true));

        var e = mm.LeafEntry(A);
        Assert.True(e.Present && e.Writable && e.Dirty && e.Accessed, e.ToString()); // ready for the retried store
        Assert.Equal(1, mm.Stats.DemandPages);
    }

    [Fact]
    public void Fault_on_a_present_page_is_spurious_and_allocates_nothing()
    {
        var (machine, mm) = TestMachines.NewProcess();
        MapAt(mm, A, 1);
        Poke(mm, A, 1);
        long frames = machine.Frames.AllocatedFrames;
        ulong pfn = Pfn(mm, A);

        Assert.Equal(FaultResult.Resolved, mm.HandleFault(A, write: true)); // e.g. two devices faulting the same page

        Assert.Equal(frames, machine.Frames.AllocatedFrames); // nothing allocated
        Assert.Equal(pfn, Pfn(mm, A)); // nothing remapped
    }

    [Theory]
    [InlineData(PagingMode.FourLevel, 3)]
    [InlineData(PagingMode.FiveLevel, 4)]
    public void Demand_paging_builds_one_table_per_level(PagingMode mode, int tables)
    {
        var (machine, mm) = TestMachines.NewProcess(mode: mode);
        Assert.Equal(1L, machine.Frames.AllocatedFrames);
        MapAt(mm, A, 2);

        Poke(mm, A, 0x21);
        Poke(mm, A + P, 0x22);

        Assert.Equal(1L + tables + 2, machine.Frames.AllocatedFrames); // root, one table per lower level, two pages
        Assert.Equal(0x21, Peek(mm, A)); // both pages translate through the same tables
        Assert.Equal(0x22, Peek(mm, A + P));
        Assert.Equal(Errno.Ok, mm.Munmap(A, 2 * P));
        Assert.Equal(1L, machine.Frames.AllocatedFrames); // and unmapping takes every table back
    }

    [Fact]
    public void Five_level_mode_still_hands_out_only_47_bit_addresses_by_default()
    {
        var (_, mm) = TestMachines.NewProcess(mode: PagingMode.FiveLevel);
        var layout = new AddressSpaceOptions { Mode = PagingMode.FiveLevel };

        Assert.Equal(Errno.ENOMEM, mm.Mmap(1UL << 48, P, Protection.ReadWrite, PrivateAnon | MapFlags.Fixed, out _)); // above TASK_SIZE
        Assert.Equal(Errno.Ok, mm.Mmap(1UL << 48, P, Protection.ReadWrite, PrivateAnon, out ulong hinted));
        Assert.Equal(layout.MmapBase - P, hinted); // a hint above 47 bits is ignored: the normal placement
        Assert.Equal(FaultResult.MapError, mm.HandleFault(1UL << 48, write: false)); // nothing can be mapped there
    }

    [Fact]
    public void Five_level_mode_with_the_full_address_space_maps_above_47_bits()
    {
        var machine = new Machine(new MachineOptions { RamSize = 64UL << 20, Paging = PagingMode.FiveLevel });
        var options = new AddressSpaceOptions { Mode = PagingMode.FiveLevel, UseFullAddressSpace = true };
        Assert.True(AddressSpace.TryCreate(machine.Frames, options, out var created));
        var mm = created!;
        const ulong high = 1UL << 55;

        MapAt(mm, high, 1);
        Poke(mm, high + 9, 0x57);

        Assert.Equal(0x57, Peek(mm, high + 9)); // reachable through all five levels
        Assert.True(mm.LeafEntry(high).Present); // the mm built the high tables itself
        Assert.Equal(Errno.Ok, mm.Mmap(1UL << 52, P, Protection.ReadWrite, PrivateAnon, out ulong hinted));
        Assert.Equal(1UL << 52, hinted); // a high hint is honoured when the process asked for it
        Assert.Equal(Errno.Ok, mm.Mmap(options.UserEnd - P, P, Protection.ReadWrite, PrivateAnon | MapFlags.Fixed, out _)); // last user page
        Assert.Equal(Errno.ENOMEM, mm.Mmap(options.UserEnd, P, Protection.ReadWrite, PrivateAnon | MapFlags.Fixed, out _)); // but not beyond it
        mm.Exit();
        Assert.Equal(0L, machine.Frames.AllocatedFrames); // the high tables were torn down too
    }

    [Fact]
    public void Full_address_space_option_means_nothing_in_four_level_mode()
    {
        var machine = new Machine(new MachineOptions { RamSize = 64UL << 20 });
        var options = new AddressSpaceOptions { UseFullAddressSpace = true };
        Assert.True(AddressSpace.TryCreate(machine.Frames, options, out var mm));

        Assert.Equal(0x7fff_ffff_f000UL, options.UserEnd); // 4-level has no more than 47 bits of user space
        Assert.Equal(Errno.ENOMEM, mm!.Mmap(1UL << 47, P, Protection.ReadWrite, PrivateAnon | MapFlags.Fixed, out _)); // so 2^47 stays out of reach
    }

    [Fact]
    public void Running_out_of_ram_is_OutOfMemory_and_EFAULT_never_an_exception()
    {
        var (machine, mm) = TestMachines.NewProcess(ramSize: 1UL << 20);
        const ulong at = 0x1000_0000; // 300 pages inside one 2 MiB region: root, PDPT, PD and one PT
        MapAt(mm, at, 300);
        const int fits = 255 - 4; // 256 frames, frame 0 never handed out

        for (int i = 0; i < fits; i++)
        {
            Assert.True(TryPoke(mm, at + (ulong)i * P, (byte)i, out _) == Errno.Ok, $"page {i} should fit");
        }
        ulong next = at + (ulong)fits * P;

        Assert.Equal(Errno.EFAULT, TryPoke(mm, next + 1, 1, out ulong fault)); // SIGBUS for the program
        Assert.Equal(next + 1, fault);
        Assert.Equal(FaultResult.OutOfMemory, mm.HandleFault(next, write: true)); // what a device page request gets
        Assert.Equal(FaultResult.OutOfMemory, mm.HandleFault(next, write: false)); // loads need a frame too
        Assert.Equal(0L, machine.Frames.FreeFrames); // precondition held: RAM really is full
        Assert.Equal((byte)(fits - 1), Peek(mm, next - P)); // memory already faulted in is unaffected

        Assert.Equal(Errno.Ok, mm.Munmap(at, 300 * P));
        Assert.Equal(1L, machine.Frames.AllocatedFrames); // everything came back
        Assert.Equal(Errno.Ok, TryPoke(mm, MapAt(mm, at, 1), 1, out _)); // and can be used again
    }

    [Fact]
    public void Running_out_of_ram_for_a_page_table_is_OutOfMemory()
    {
        var (machine, mm) = TestMachines.NewProcess(ramSize: 1UL << 20);
        MapAt(mm, A, 1);
        var hog = Hog(machine.Frames, 2); // PDPT and PD fit, the PT does not

        Assert.Equal(FaultResult.OutOfMemory, mm.HandleFault(A, write: true)); // the PT allocation failed

        Unhog(machine.Frames, hog);
        Assert.Equal(FaultResult.Resolved, mm.HandleFault(A, write: true)); // a retry once memory is back succeeds
    }

    [Theory]
    [InlineData("no VMA", Protection.ReadWrite, 0x1000UL, false, false, FaultResult.MapError)]
    [InlineData("write to a read-only VMA", Protection.Read, 0UL, true, false, FaultResult.AccessError)]
    [InlineData("exec in a non-exec VMA", Protection.ReadWrite, 0UL, false, true, FaultResult.AccessError)]
    [InlineData("read of a PROT_NONE VMA", Protection.None, 0UL, false, false, FaultResult.AccessError)]
    [InlineData("read of a read-only VMA", Protection.Read, 0UL, false, false, FaultResult.Resolved)]
    [InlineData("exec in an exec VMA", Protection.Read | Protection.Exec, 0UL, false, true, FaultResult.Resolved)]
    public void Fault_results_follow_the_vma(string what, Protection prot, ulong offsetPastVma, bool write, bool exec, FaultResult expected)
    {
        var (machine, mm) = TestMachines.NewProcess();
        MapAt(mm, A, 1, prot);
        long frames = machine.Frames.AllocatedFrames;

        var r = mm.HandleFault(A + (offsetPastVma == 0 ? 8 : P + offsetPastVma), write, exec);

        Assert.True(expected == r, $"{what}: expected {expected}, got {r}");
        if (expected != FaultResult.Resolved)
        {
            Assert.Equal(frames, machine.Frames.AllocatedFrames); // a refused fault maps nothing
        }
    }

    [Fact]
    public void Exec_fault_on_a_page_already_mapped_without_exec_is_AccessError()
    {
        var (_, mm) = TestMachines.NewProcess();
        MapAt(mm, A, 1, Protection.Read | Protection.Exec);
        Assert.Equal(FaultResult.Resolved, mm.HandleFault(A, write: false));
        Assert.False(mm.LeafEntry(A).NoExecute); // exec VMA: the entry allows fetches

        Assert.Equal(Errno.Ok, mm.Mprotect(A, P, Protection.Read));

        Assert.True(mm.LeafEntry(A).NoExecute); // the entry lost exec with the VMA
        Assert.Equal(FaultResult.AccessError, mm.HandleFault(A, write: false, exec: true)); // so a fetch is refused, not resolved
    }

    [Fact]
    public void AgeRange_clears_accessed_on_touched_pages_and_the_next_access_sets_it_again()
    {
        var (_, mm) = TestMachines.NewProcess();
        MapAt(mm, A, 3);
        Poke(mm, A, 1);
        Poke(mm, A + 2 * P, 1);

        Assert.Equal(2, mm.AgeRange(A, A + 3 * P)); // two resident, young pages; the untouched one is not counted

        Assert.False(mm.LeafEntry(A).Accessed); // cleared in the page table
        Assert.False(mm.IsYoung(A + 2 * P)); // for both pages
        Assert.Equal(1, Peek(mm, A));
        Assert.True(mm.IsYoung(A)); // the walker set A again on the load
        Assert.Equal(1, mm.AgeRange(A, A + 3 * P)); // only the page used since the last scan is young
    }
}

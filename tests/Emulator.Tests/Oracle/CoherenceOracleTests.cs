using Emulator.Core;
using Emulator.Core.Memory;
using Emulator.Core.Oracle;
using Emulator.Core.Pcie;
using Emulator.Tests.Pcie;
using Emulator.Tests.Support;

namespace Emulator.Tests.Oracle;

/// <summary>The stale-access oracle: it fires on a DMA through a translation whose frame was freed (and
/// stays quiet when the driver invalidated), with the exact access and frame lifetime recorded.</summary>
public sealed class CoherenceOracleTests
{
    private const uint Pasid = 5;

    [Fact]
    public void A_dma_through_a_cached_translation_after_munmap_without_atc_invalidation_is_recorded_as_stale()
    {
        var rig = new DmaRig();
        var mm = rig.BindProcess(Pasid);
        ulong va = TestMachines.MapTouched(mm, 1);
        ulong pa = CpuPa(rig, mm, va);
        uint generation = rig.Frames.Generation(pa >> Page.Shift);
        Assert.True(rig.Device.Read(Pasid, va, new byte[4]).IsOk);    // caches the translation
        rig.Oracle.History = () => ["CMD_TLBI_NH_ASID asid 7", "(no CMD_ATC_INV)", "CMD_SYNC"];

        Assert.Equal(Errno.Ok, mm.Munmap(va, Page.Size));             // the frame is freed; nobody tells the ATC
        var buf = new byte[4];
        var r = rig.Device.Read(Pasid, va + 0x40, buf);

        Assert.True(r.IsOk);                                          // the oracle reports, it does not hide the bug
        Assert.Equal(1, rig.Oracle.Stale);
        var stale = Assert.Single(rig.Oracle.StaleAccesses);
        Assert.Equal(DmaRig.Sid, stale.Sid);
        Assert.Equal(Pasid, stale.Pasid);
        Assert.Equal(va + 0x40, stale.Va);
        Assert.Equal(pa + 0x40, stale.Pa);
        Assert.Equal(pa >> Page.Shift, stale.Pfn);
        Assert.Equal(generation, stale.RememberedGeneration);
        Assert.Equal(generation + 1, stale.CurrentGeneration);        // freed once since
        Assert.False(stale.IsWrite);
        Assert.Equal(["CMD_TLBI_NH_ASID asid 7", "(no CMD_ATC_INV)", "CMD_SYNC"], stale.History);
    }

    [Fact]
    public void A_stale_dma_write_into_a_reused_frame_is_recorded_and_contained()
    {
        var rig = new DmaRig();
        var mm = rig.BindProcess(Pasid);
        ulong va = TestMachines.MapTouched(mm, 1);
        ulong pa = CpuPa(rig, mm, va);
        Assert.True(rig.Device.Write(Pasid, va, new byte[] { 1 }).IsOk);
        Assert.Equal(Errno.Ok, mm.Munmap(va, Page.Size));
        ulong reused = 0;
        for (int i = 0; i < 8 && reused != pa >> Page.Shift; i++)    // LIFO free list: the freed page tables, then the frame
        {
            Assert.True(rig.Frames.TryAllocate(out reused));
        }
        Assert.Equal(pa >> Page.Shift, reused);                       // the same frame, a new owner

        byte before = rig.Memory.Frame(reused)[0];
        Assert.True(rig.Device.Write(Pasid, va, new byte[] { 0xEE }).IsOk);

        var stale = Assert.Single(rig.Oracle.StaleAccesses);
        Assert.True(stale.IsWrite);
        Assert.Equal(reused, stale.Pfn);
        Assert.Equal(stale.RememberedGeneration + 1, stale.CurrentGeneration); // live again, but a later lifetime
        Assert.Equal(before, rig.Memory.Frame(reused)[0]);            // the bug was caught, and the new owner kept its bytes
        Assert.Equal(1, rig.Device.StaleWritesContained);
        Assert.Empty(stale.History);                                  // no history hook set
    }

    [Fact]
    public void With_the_atc_invalidation_no_stale_access_and_the_dma_faults()
    {
        var rig = new DmaRig();
        var mm = rig.BindProcess(Pasid);
        ulong va = TestMachines.MapTouched(mm, 2);
        rig.ServePriWithFaults(mm);
        Assert.True(rig.Device.Read(Pasid, va, new byte[2 * Page.Size]).IsOk);

        Assert.Equal(Errno.Ok, mm.Munmap(va, 2 * Page.Size));
        rig.InvalidateRange(Pasid, va, 2 * Page.Size);                // what a correct driver sends

        Assert.Equal(0, rig.Device.Atc.Count);                        // the ATC holds nothing for the range
        var r = rig.Device.Read(Pasid, va, new byte[4]);
        Assert.Equal(DmaResult.Fault(va, DmaFaultReason.PriInvalid, 0), r);   // PRI asked, the mm said SEGV_MAPERR
        Assert.Equal(0, rig.Oracle.Stale);
        Assert.Empty(rig.Oracle.StaleAccesses);
    }

    [Fact]
    public void Records_beyond_the_capacity_are_counted_as_dropped_and_reset_clears_everything()
    {
        var machine = new Machine(new MachineOptions { RamSize = 1UL << 20 });
        var oracle = new CoherenceOracle(machine.Frames, capacity: 2);
        Assert.True(machine.Frames.TryAllocate(out ulong pfn));
        uint live = machine.Frames.Generation(pfn);
        ulong pa = pfn << Page.Shift;

        Assert.False(oracle.CheckDma(1, 2, 0x1000, pa, live, write: false));        // live: not stale
        for (int i = 0; i < 3; i++)
        {
            Assert.True(oracle.CheckDma(1, 2, 0x1000, pa, live + 1, write: true));  // wrong lifetime
        }
        Assert.True(oracle.CheckDma(1, 2, 0x1000, 0, 0, write: false));             // frame 0 is never allocated

        Assert.Equal(5, oracle.Checked);
        Assert.Equal(4, oracle.Stale);
        Assert.Equal(2, oracle.StaleAccesses.Length);
        Assert.Equal(2, oracle.Dropped);

        oracle.Reset();
        Assert.Equal(0, oracle.Checked + oracle.Stale + oracle.Dropped);
        Assert.Empty(oracle.StaleAccesses);
    }

    private static ulong CpuPa(DmaRig rig, Core.Mm.AddressSpace mm, ulong va)
    {
        var walk = Core.Paging.PageWalker.Walk(rig.Memory, mm.RootPa, Core.Paging.PagingMode.FourLevel, va,
            Core.Paging.AccessType.User, Core.Paging.WalkOptions.Default, setAccessedDirty: false);
        Assert.True(walk.IsOk);
        return walk.Translation.PhysicalAddress;
    }
}

using Emulator.Core;
using Emulator.Core.Iommu;
using Emulator.Core.Memory;
using Emulator.Core.Mm;
using Emulator.Core.Pcie;
using Emulator.Core.Smmu;
using Emulator.Core.Sva;
using Emulator.Tests.Support;

namespace Emulator.Tests.EndToEnd;

/// <summary>
/// The product's core path, end to end: a page-table change → the SVA notifier → the SMMU driver →
/// the command queue → an ATC invalidation at the device → completion → only then the free.
/// </summary>
public class SvaEndToEndTests
{
    [Fact]
    public void Bind_then_dma_read_sees_cpu_data_and_after_munmap_faults_with_nothing_cached()
    {
        var rig = new SvaRig();
        ulong va = rig.MapFilled(2);
        var buf = new byte[16];

        Assert.True(rig.DmaRead(va + Page.Size, buf).IsOk);
        Assert.All(buf, b => Assert.Equal(2, b)); // the device sees what the CPU wrote
        Assert.True(rig.Device.Atc.Contains(rig.Pasid, va + Page.Size)); // and cached the translation

        Assert.Equal(Errno.Ok, rig.Mm.Munmap(va, 2 * Page.Size));

        Assert.False(rig.Device.Atc.Contains(rig.Pasid, va + Page.Size)); // the ATC was invalidated
        var r = rig.DmaRead(va + Page.Size, buf);
        Assert.False(r.IsOk); // the page is gone: the DMA fails (PRI answers invalid)
        Assert.Equal(va + Page.Size, r.FaultVa);
        Assert.Equal(0, rig.Machine.Oracle.Stale); // and nothing stale was ever touched
    }

    [Fact]
    public void Mprotect_read_only_makes_dma_writes_fault_while_reads_work()
    {
        var rig = new SvaRig();
        ulong va = rig.MapFilled(1);
        Assert.True(rig.DmaWrite(va, [9]).IsOk); // writable: the ATC caches a W translation

        Assert.Equal(Errno.Ok, rig.Mm.Mprotect(va, Page.Size, Protection.Read));

        Assert.False(rig.DmaWrite(va, [7]).IsOk); // the W translation was invalidated; PRI refuses the write
        var b = new byte[1];
        Assert.True(rig.DmaRead(va, b).IsOk);
        Assert.Equal(9, b[0]); // the earlier write landed, the refused one did not
        Assert.Equal(0, rig.Machine.Oracle.Stale);
    }

    [Fact]
    public void Dma_write_after_fork_breaks_cow_through_pri_and_the_childs_copy_is_untouched()
    {
        var rig = new SvaRig();
        ulong va = rig.MapFilled(1);
        Assert.True(rig.DmaWrite(va, [0x11]).IsOk); // the device holds a writable translation of the parent's page

        Assert.Equal(Errno.Ok, rig.Mm.Fork(out var child));
        Assert.True(rig.DmaWrite(va, [0x22]).IsOk); // must not reuse the old W entry: fork write-protected it

        Assert.Equal(0x22, rig.CpuByte(rig.Mm, va)); // the parent (bound) sees the device's write
        Assert.Equal(0x11, rig.CpuByte(child!, va)); // the child's copy-on-write snapshot is untouched
        Assert.NotEqual(rig.Mm.LeafEntry(va).Pfn, child!.LeafEntry(va).Pfn); // the write broke COW
        Assert.Equal(0, rig.Machine.Oracle.Stale);
    }

    [Fact]
    public void A_device_bound_to_the_child_writes_the_childs_copy_and_the_parent_is_untouched()
    {
        var rig = new SvaRig();
        ulong va = rig.MapFilled(1);
        Assert.Equal(Errno.Ok, rig.Mm.Fork(out var child));
        Assert.Equal(Errno.Ok, rig.Machine.AddDevice(0x20, ats: true, pri: true, pasidBits: 20, out var dev2));
        Assert.Equal(Errno.Ok, rig.Machine.Sva!.Bind(new SvaDevice(0x20, 20), child!, out var bond2));

        Assert.True(dev2!.Write(bond2!.Pasid, va, [0x33]).IsOk); // read-only COW page: PRI write breaks COW in the child

        Assert.NotEqual(rig.Pasid, bond2.Pasid); // one PASID per mm
        Assert.Equal(0x33, rig.CpuByte(child!, va));
        Assert.Equal(1, rig.CpuByte(rig.Mm, va)); // the parent's data is untouched
        Assert.Equal(1, dev2.PriRequests); // exactly one page request did it
    }

    [Fact]
    public void Binding_twice_returns_the_same_pasid_and_counts_references()
    {
        var rig = new SvaRig();
        Assert.Equal(Errno.Ok, rig.Machine.Sva!.Bind(rig.SvaDevice, rig.Mm, out var again));
        Assert.Same(rig.Bond, again); // same bond, same PASID
        ulong va = rig.MapFilled(1);

        rig.Machine.Sva.Unbind(again!);
        Assert.True(rig.DmaRead(va, new byte[1]).IsOk); // one reference left: still bound

        rig.Machine.Sva.Unbind(rig.Bond);
        Assert.False(rig.DmaRead(va, new byte[1]).IsOk); // unbound: the PASID no longer translates
        Assert.Equal(0, rig.Machine.Sva.Contexts);
    }

    [Fact]
    public void Two_devices_bound_to_one_mm_share_its_pasid_and_both_are_invalidated()
    {
        var rig = new SvaRig();
        Assert.Equal(Errno.Ok, rig.Machine.AddDevice(0x20, ats: true, pri: true, pasidBits: 20, out var dev2));
        Assert.Equal(Errno.Ok, rig.Machine.Sva!.Bind(new SvaDevice(0x20, 20), rig.Mm, out var bond2));
        ulong va = rig.MapFilled(1);
        Assert.True(rig.DmaRead(va, new byte[1]).IsOk);
        Assert.True(dev2!.Read(bond2!.Pasid, va, new byte[1]).IsOk);

        rig.Mm.Munmap(va, Page.Size);

        Assert.Equal(rig.Pasid, bond2.Pasid); // one SVA context per mm
        Assert.False(rig.Device.Atc.Contains(rig.Pasid, va)); // both ATCs were invalidated
        Assert.False(dev2.Atc.Contains(bond2.Pasid, va));
    }

    [Fact]
    public void A_1_gib_munmap_uses_the_asid_wide_fallback_in_at_most_four_commands()
    {
        var rig = new SvaRig(ramSize: (1UL << 30) + (128UL << 20));
        Assert.Equal(Errno.Ok, rig.Mm.Mmap(0, 1UL << 30, Protection.ReadWrite, MapFlags.Private | MapFlags.Anonymous | MapFlags.Populate, out ulong va));
        Assert.True(rig.DmaRead(va + (512UL << 20), new byte[8]).IsOk);
        long before = rig.Driver.Stats.TotalCommands;
        long asidBefore = rig.Driver.Stats.Commands(CommandOpcode.TlbiNhAsid);

        Assert.Equal(Errno.Ok, rig.Mm.Munmap(va, 1UL << 30));

        long issued = rig.Driver.Stats.TotalCommands - before;
        Assert.True(issued <= 4, $"1 GiB munmap issued {issued} commands"); // TLBI_NH_ASID + ATC_INV(all) + SYNC
        Assert.Equal(asidBefore + 1, rig.Driver.Stats.Commands(CommandOpcode.TlbiNhAsid)); // ASID-wide, not 262144 TLBI_NH_VA
        Assert.False(rig.Device.Atc.Contains(rig.Pasid, va + (512UL << 20)));
    }

    // ---- mm exit ---------------------------------------------------------------------------

    private sealed class RecordingDriver : ISvaDeviceDriver
    {
        public int Exits;
        public Action? During;
        public void MmExit(SvaBond bond)
        {
            Interlocked.Increment(ref Exits);
            During?.Invoke();
        }
    }

    [Fact]
    public void Exit_before_unbind_tells_the_driver_quiets_the_pasid_and_frees_it_only_after_unbind()
    {
        var driver = new RecordingDriver();
        var rig = new SvaRig(driver: driver);
        ulong va = rig.MapFilled(1);
        Assert.True(rig.DmaRead(va, new byte[1]).IsOk);

        rig.Mm.Exit();

        Assert.Equal(1, driver.Exits); // the device driver was told, once
        Assert.False(rig.Device.Atc.Contains(rig.Pasid, va)); // IOTLB/ATC were invalidated
        Assert.False(rig.DmaRead(va, new byte[1]).IsOk); // the quiet PASID entry blocks translation
        Assert.True(rig.Driver.ReadCd(SvaRig.Sid, rig.Pasid).Valid); // quiet, not removed: the PASID is still reserved
        Assert.Equal(1, rig.Machine.Sva!.Contexts);

        rig.Machine.Sva.Unbind(rig.Bond);
        rig.Mm.Notifiers.Synchronize();

        Assert.Equal(0, rig.Machine.Sva.Contexts);
        Assert.Equal(1, driver.Exits); // unbind after exit does not call the handler again
        Assert.Equal(0, rig.Machine.Oracle.Stale);
    }

    [Fact]
    public void Unbind_while_the_mm_exit_handler_runs_waits_for_it()
    {
        var gate = new Gate();
        var driver = new RecordingDriver { During = gate.ArriveAndWait };
        var rig = new SvaRig(driver: driver);
        long baseline = rig.Machine.Frames.AllocatedFrames; // SMMU tables + the mm's root
        rig.MapFilled(1);

        var exit = Task.Run(rig.Mm.Exit);
        gate.WaitArrived(); // the handler is running (the device is being stopped)
        var unbind = Task.Run(() => rig.Machine.Sva!.Unbind(rig.Bond));
        Gate.AssertBlocked(unbind, "unbind while the mm-exit handler runs");
        gate.Open();

        Gate.AssertCompletes(unbind, "unbind");
        Gate.AssertCompletes(exit, "exit");
        rig.Mm.Notifiers.Synchronize();
        Assert.Equal(1, driver.Exits);
        Assert.Equal(0, rig.Machine.Sva!.Contexts); // both paths finished, nothing left behind
        Assert.Equal(baseline - 1, rig.Machine.Frames.AllocatedFrames); // every frame of the mm, root included, is back
    }
}

using Emulator.Core;
using Emulator.Core.Iommu;
using Emulator.Core.Memory;
using Emulator.Core.Mm;
using Emulator.Core.Sva;

namespace Emulator.Tests.EndToEnd;

/// <summary>
/// The oracle must be able to fail: each fault-injection switch (a deliberate driver bug) makes a
/// scenario touch a freed frame, and the oracle records it; the same scenario without the switch
/// stays clean.
/// </summary>
public class FaultInjectionOracleTests
{
    /// <summary>DMA caches a translation, munmap frees the page, the device reads it again.</summary>
    private static long UnmapThenDma(FaultInjection inject)
    {
        var rig = new SvaRig(inject);
        ulong va = rig.MapFilled(2);
        Assert.True(rig.DmaRead(va, new byte[8]).IsOk);
        rig.Mm.Munmap(va, 2 * Page.Size);
        rig.DmaRead(va, new byte[8]); // correct drivers: a fault; buggy ones: a read of a freed frame
        return rig.Machine.Oracle.Stale;
    }

    /// <summary>With skip-tlbi the ATC is invalidated but the IOTLB still translates to the freed
    /// frame, so the re-translation the device asks for is stale.</summary>
    private static long UnmapThenRetranslate(FaultInjection inject)
    {
        var rig = new SvaRig(inject);
        ulong va = rig.MapFilled(1);
        Assert.True(rig.DmaRead(va, new byte[8]).IsOk); // fills IOTLB and ATC
        rig.Mm.Munmap(va, Page.Size);
        rig.DmaRead(va, new byte[8]);
        return rig.Machine.Oracle.Stale;
    }

    /// <summary>With skip-cfgi a reused PASID keeps the previous mm's cached context descriptor: the
    /// device translates through the old mm, whose later munmap (it is no longer bound) invalidates
    /// nothing, and the device reads the freed frame.</summary>
    private static long PasidReuseThenOldMmUnmaps(FaultInjection inject)
    {
        var rig = new SvaRig(inject);
        ulong va = rig.MapFilled(1);
        Assert.True(rig.DmaRead(va, new byte[8]).IsOk); // the SMMU caches mm A's CD
        uint pasid = rig.Pasid;
        rig.Machine.Sva!.Unbind(rig.Bond);
        rig.Mm.Notifiers.Synchronize(); // the PASID is free again

        Assert.Equal(Errno.Ok, rig.Machine.CreateAddressSpace(out var b));
        Assert.Equal(Errno.Ok, b!.Mmap(va, Page.Size, Protection.ReadWrite, MapFlags.Private | MapFlags.Anonymous | MapFlags.Fixed, out _));
        Assert.Equal(Errno.Ok, rig.Machine.Sva.Bind(rig.SvaDevice, b, out var bondB));
        Assert.Equal(pasid, bondB!.Pasid); // the lowest free PASID: reused
        rig.Device.Read(pasid, va, new byte[8]); // correct: B's page; skip-cfgi: A's page through the stale CD
        rig.Mm.Munmap(va, Page.Size); // A is unbound: nothing is invalidated, A's frame is freed
        rig.Device.Read(pasid, va, new byte[8]);
        return rig.Machine.Oracle.Stale;
    }

    public static TheoryData<string> Switches => new() { "skip-atc-inv", "skip-tlbi", "skip-cfgi", "skip-sync-wait" };

    private static long Scenario(string name, FaultInjection inject) => name switch
    {
        "skip-tlbi" => UnmapThenRetranslate(inject),
        "skip-cfgi" => PasidReuseThenOldMmUnmaps(inject),
        _ => UnmapThenDma(inject),
    };

    [Theory]
    [MemberData(nameof(Switches))]
    public void Each_switch_makes_the_oracle_fire(string name)
    {
        Assert.True(FaultInjectionNames.TryParse(name, out var inject, out var error), error);

        long clean = Scenario(name, FaultInjection.None);
        long buggy = Scenario(name, inject);

        Assert.Equal(0, clean); // the scenario itself is sound
        Assert.True(buggy > 0, $"{name}: the oracle saw no stale access"); // the injected bug is caught
    }

    [Fact]
    public void A_stale_access_names_the_pasid_address_frame_and_recent_commands()
    {
        var rig = new SvaRig(FaultInjection.SkipAtcInv);
        ulong va = rig.MapFilled(1);
        ulong pfn = rig.Mm.LeafEntry(va).Pfn;
        Assert.True(rig.DmaRead(va, new byte[8]).IsOk);
        rig.Mm.Munmap(va, Page.Size);

        rig.DmaRead(va, new byte[8]);

        var s = Assert.Single(rig.Machine.Oracle.StaleAccesses);
        Assert.Equal((SvaRig.Sid, rig.Pasid, va, pfn), (s.Sid, s.Pasid, s.Va, s.Pfn)); // who, where, which frame
        Assert.NotEqual(s.RememberedGeneration, s.CurrentGeneration); // proven stale by generation
        Assert.NotEmpty(s.History); // with the commands that should have removed it
    }
}

/// <summary>The oracle's post-operation check: after each invalidating mm operation, no ATC entry
/// of a bound PASID grants more than the CPU page table.</summary>
public class AtcCoherenceCheckTests
{
    [Fact]
    public void A_correct_driver_leaves_no_violation_after_munmap_mprotect_fork_and_migrate()
    {
        var rig = new SvaRig();
        ulong va = rig.MapFilled(4);
        for (int i = 0; i < 4; i++)
        {
            Assert.True(rig.DmaWrite(va + (ulong)i * Page.Size, [1]).IsOk); // W entries cached for every page
        }

        rig.Mm.Mprotect(va, Page.Size, Protection.Read);
        rig.Mm.Fork(out var child);
        rig.Mm.Migrate(va + 2 * Page.Size, Page.Size, out _, out _);
        rig.Mm.Munmap(va + 3 * Page.Size, Page.Size);

        Assert.Equal(0, rig.Machine.Oracle.Violations); // every downgrade reached the ATC in time
        child!.Exit();
    }

    [Fact]
    public void Skipping_atc_invalidations_is_caught_right_after_the_operation_even_without_dma()
    {
        var rig = new SvaRig(FaultInjection.SkipAtcInv);
        ulong va = rig.MapFilled(2);
        Assert.True(rig.DmaWrite(va, [1]).IsOk);
        Assert.True(rig.DmaWrite(va + Page.Size, [1]).IsOk);

        rig.Mm.Mprotect(va, Page.Size, Protection.Read);

        var v = Assert.Single(rig.Machine.Oracle.AtcViolations); // the writable entry survived the downgrade
        Assert.Equal((va, "read-only in the CPU page table"), (v.Va, v.Reason));

        rig.Mm.Munmap(va + Page.Size, Page.Size);

        Assert.Contains(rig.Machine.Oracle.AtcViolations, x => x.Va == va + Page.Size && x.Reason == "not mapped by the CPU page table");
        Assert.Equal(0, rig.Machine.Oracle.Stale); // caught before any device access went stale
    }

    [Fact]
    public void Skipping_the_sync_wait_is_caught_by_the_post_operation_check()
    {
        var rig = new SvaRig(FaultInjection.SkipSyncWait);
        ulong va = rig.MapFilled(1);
        Assert.True(rig.DmaRead(va, new byte[1]).IsOk);

        rig.Mm.Munmap(va, Page.Size); // the ATC_INV sits in the queue, not yet consumed

        Assert.True(rig.Machine.Oracle.Violations > 0);
    }
}

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

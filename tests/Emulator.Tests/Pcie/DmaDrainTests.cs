using Emulator.Core;
using Emulator.Core.Iommu;
using Emulator.Core.Memory;
using Emulator.Core.Pcie;
using Emulator.Tests.Kernel;

namespace Emulator.Tests.Pcie;

/// <summary>
/// The drain rule of split-phase DMA (PCIe Base §10.3.1): an ATS invalidation is answered only after
/// every DMA in flight through a translation it covers has completed — with that translation, while
/// its frame is still the process's — and it does not wait for unrelated ones. The fault injection
/// <c>complete-before-drain</c> answers at once, and the in-flight DMA then reaches a freed frame.
/// </summary>
public sealed class DmaDrainTests
{
    /// <summary>Records what drained, and performs the access with a buffer of its own.</summary>
    private sealed class Owner : IDmaDrain
    {
        public readonly byte[] Buffer = new byte[Page.Size];
        public readonly List<DmaAccess> Drained = [];
        public required DmaDevice Device { get; init; }

        public void Drain(DmaAccess access)
        {
            Drained.Add(access);
            Device.Complete(access, Buffer);
        }
    }

    [Fact]
    public void An_invalidation_drains_the_dma_in_flight_through_its_translation_before_completing()
    {
        var rig = new SvaDeviceRig();
        ulong va = rig.Map(2);
        rig.Put(va, SvaDeviceRig.Counting(2 * Page.Size));
        var owner = new Owner { Device = rig.Dma };
        Assert.Equal(DmaFaultReason.None, rig.Dma.BeginAccess((uint)rig.Pasid, va, write: false, owner, out var inflight));
        Assert.Equal(DmaFaultReason.None, rig.Dma.BeginAccess((uint)rig.Pasid, va + Page.Size, write: false, owner, out var other));
        Assert.Equal(2, rig.Dma.InFlight);

        Assert.Equal(Errno.Ok, rig.Mm.Munmap(va, Page.Size)); // invalidates the first page only

        Assert.Equal([inflight!], owner.Drained);                                  // exactly the covered access drained
        Assert.True(inflight!.Completed && inflight.Drained);
        Assert.Equal(SvaDeviceRig.Counting(Page.Size), owner.Buffer);              // it read the process's data...
        Assert.Equal(0, rig.Machine.Oracle.Stale);                                 // ...before the frame was freed
        Assert.False(other!.Completed);                                            // the unrelated access is still in flight
        Assert.Equal(1, rig.Dma.InFlight);
        Assert.True(rig.Dma.Complete(other, owner.Buffer.AsSpan(0, 16)));          // and completes normally later
        Assert.Equal(1, rig.Dma.DrainingInvalidations);
    }

    [Fact]
    public void A_drained_write_lands_in_the_old_frame_and_the_late_completion_does_nothing()
    {
        var rig = new SvaDeviceRig();
        ulong va = rig.Map(1);
        rig.Put(va, new byte[16]);
        var owner = new Owner { Device = rig.Dma };
        Array.Fill(owner.Buffer, (byte)0x5A);
        Assert.Equal(DmaFaultReason.None, rig.Dma.BeginAccess((uint)rig.Pasid, va, write: true, owner, out var w));

        Assert.Equal(Errno.Ok, rig.Mm.Munmap(va, Page.Size));

        Assert.True(w!.Drained);
        Assert.True(rig.Dma.Complete(w, owner.Buffer));   // the engine's own completion: already done, no second write
        Assert.Equal(0, rig.Machine.Oracle.Stale);
        Assert.Equal(0, rig.Dma.StaleWritesContained);
    }

    [Fact]
    public void Completing_before_the_drain_lets_the_dma_reach_a_freed_frame_and_the_oracle_fires()
    {
        var rig = new SvaDeviceRig(FaultInjection.CompleteBeforeDrain);
        ulong va = rig.Map(1);
        rig.Put(va, SvaDeviceRig.Counting(Page.Size));
        var owner = new Owner { Device = rig.Dma };
        Assert.Equal(DmaFaultReason.None, rig.Dma.BeginAccess((uint)rig.Pasid, va, write: false, owner, out var inflight));

        Assert.Equal(Errno.Ok, rig.Mm.Munmap(va, Page.Size)); // answered at once: the frame is freed with the read in flight

        Assert.Empty(owner.Drained);
        Assert.Equal(1, rig.Dma.EarlyCompletions);
        rig.Dma.Complete(inflight!, owner.Buffer);
        var stale = Assert.Single(rig.Machine.Oracle.StaleAccesses); // the late read went to the freed frame
        Assert.False(stale.IsWrite);
        Assert.Equal(va, stale.Va);
    }
}

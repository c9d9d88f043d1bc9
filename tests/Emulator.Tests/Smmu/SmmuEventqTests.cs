using Emulator.Core.Pcie;
using Emulator.Core.Smmu;
using R = Emulator.Core.Smmu.SmmuRegisters;

namespace Emulator.Tests.Smmu;

/// <summary>The event queue: records in memory at PROD, wrap, overflow and its acknowledgement (§7.4),
/// the enable, an aborting queue.</summary>
public sealed class SmmuEventqTests
{
    /// <summary>One C_BAD_STE per call: SID 9's STE is never written (V 0).</summary>
    private static void Fault(SmmuRig rig, uint pasid = 1) => rig.Smmu.Translate(9, pasid, 0x1000, AtsPermissions.Read);

    [Fact]
    public void A_record_is_written_at_prod_and_prod_advances_and_the_interrupt_runs()
    {
        var rig = new SmmuRig();
        int irqs = 0;
        rig.Smmu.EventInterrupt = () => irqs++;
        Fault(rig, pasid: 2);

        Assert.Equal(1u, rig.Read32(R.EventqProd));
        Span<byte> raw = stackalloc byte[EventRecord.Size];
        Assert.True(rig.Memory.TryRead(rig.EventqPa, raw));
        Assert.Equal(new EventRecord(0x0000_0009_0000_2804UL, 0, 0, 0), EventRecord.ReadFrom(raw)); // C_BAD_STE sid 9 ssid 2
        Assert.Equal(1, irqs);
        Assert.Equal(1, rig.Smmu.EventsRecorded);
    }

    [Fact]
    public void Prod_wraps_as_the_driver_consumes()
    {
        var rig = new SmmuRig(enable: false);
        rig.Enable(eventqLog2: 1);   // two entries
        for (uint i = 1; i <= 5; i++)
        {
            Fault(rig, i);
            var e = Assert.Single(rig.DrainEvents());
            Assert.Equal(i, e.SubstreamId);   // each record is the one just raised, at the wrapped index
        }
        var prod = new QueuePointer(rig.Read32(R.EventqProd), 1);
        Assert.Equal((1u, false), (prod.Index, prod.Wrap));   // 5 mod 4 = 1: index 1, wrap 0
    }

    [Fact]
    public void A_full_queue_discards_and_toggles_ovflg_once_until_acknowledged()
    {
        var rig = new SmmuRig(enable: false);
        rig.Enable(eventqLog2: 1);
        Fault(rig, 1);
        Fault(rig, 2);                                          // full
        Fault(rig, 3);                                          // discarded: overflow
        var prod = new QueuePointer(rig.Read32(R.EventqProd), 1);
        Assert.True(prod.Overflow);                             // OVFLG toggled
        Fault(rig, 4);                                          // discarded, overflow already present
        Assert.True(new QueuePointer(rig.Read32(R.EventqProd), 1).Overflow);  // not toggled back
        Assert.Equal(2, rig.Smmu.EventsDiscarded);

        // The driver consumes and acknowledges with one CONS write carrying OVFLG (Linux arm_smmu_evtq_thread).
        var events = rig.DrainEvents();
        Assert.Equal([1u, 2u], events.ConvertAll(e => e.SubstreamId));
        rig.Write32(R.EventqCons, rig.EventqCons.WithOverflow(true).Raw);

        Fault(rig, 5);
        Fault(rig, 6);
        Fault(rig, 7);                                          // a second overflow: toggles back
        Assert.False(new QueuePointer(rig.Read32(R.EventqProd), 1).Overflow);
    }

    [Fact]
    public void Nothing_is_recorded_while_eventqen_is_clear()
    {
        var rig = new SmmuRig(enable: false);
        rig.Enable(cr0: Cr0.SmmuEnBit | Cr0.CmdqEnBit);
        Fault(rig);
        Assert.Equal(0u, rig.Read32(R.EventqProd));
        Assert.Equal(1, rig.Smmu.EventsDiscarded);
        Assert.False(new QueuePointer(rig.Read32(R.EventqProd), SmmuRig.EventqLog2).Overflow);  // no overflow either
    }

    [Fact]
    public void An_event_queue_outside_ram_raises_eventq_abt_err()
    {
        var rig = new SmmuRig(enable: false);
        rig.Enable(eventqPa: 1UL << 30);
        Fault(rig);
        Assert.Equal(GError.EventqAbtErr, rig.ActiveGErrors);
        Assert.Equal(0u, rig.Read32(R.EventqProd));
    }
}

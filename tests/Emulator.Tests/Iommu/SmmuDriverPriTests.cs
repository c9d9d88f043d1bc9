using Emulator.Core;
using Emulator.Core.Iommu;
using Emulator.Core.Pcie;
using Emulator.Core.Smmu;
using R = Emulator.Core.Smmu.SmmuRegisters;

namespace Emulator.Tests.Iommu;

/// <summary>The driver services the PRI queue and answers with CMD_PRI_RESP; events are drained.</summary>
public sealed class SmmuDriverPriTests
{
    [Theory]
    [InlineData(PriResult.Success)]
    [InlineData(PriResult.InvalidRequest)]
    [InlineData(PriResult.ResponseFailure)]
    public void A_page_request_reaches_the_handler_and_its_answer_reaches_the_device(PriResult answer)
    {
        var rig = new DriverRig();
        Assert.Equal(Errno.Ok, rig.Driver.AttachDevice(DriverRig.Sid, 20, ats: true, pri: true));
        var calls = new List<(uint Sid, uint Pasid, ulong Va, bool Write, bool Exec)>();
        rig.Driver.PageRequestHandler = (sid, pasid, va, write, exec) =>
        {
            calls.Add((sid, pasid, va, write, exec));
            return answer;
        };

        PriResult result = rig.Device.RequestPage(DriverRig.Sid, DriverRig.Pasid, 0x7000_1234,
            AtsPermissions.Read | AtsPermissions.Write, groupIndex: 5);

        Assert.Equal(answer, result);                                    // the CMD_PRI_RESP code reached the device
        var call = Assert.Single(calls);
        Assert.Equal((DriverRig.Sid, DriverRig.Pasid, 0x7000_1000UL, true, false), call); // page address, write
        Assert.StartsWith($"CMD_PRI_RESP sid=42 ssid=64 grpid=5", rig.Driver.RecentCommands(2)[0]);
        Assert.Equal(rig.Reg32(R.PriqProd), rig.Reg32(R.PriqCons));      // PRIQ consumed
        Assert.Equal(1, rig.Driver.Stats.PageRequests);
    }

    [Fact]
    public void Without_a_handler_requests_get_response_failure()
    {
        var rig = new DriverRig();
        Assert.Equal(PriResult.ResponseFailure, rig.Device.RequestPage(DriverRig.Sid, DriverRig.Pasid, 0x1000, AtsPermissions.Read, 1));
        Assert.Equal(1, rig.Driver.Stats.PriResponseFailure);
    }

    [Fact]
    public void Pri_responses_are_not_deferred_by_skip_sync_wait()
    {
        var rig = new DriverRig();
        rig.Driver.Faults = FaultInjection.SkipSyncWait;
        rig.Driver.PageRequestHandler = (_, _, _, _, _) => PriResult.Success;
        Assert.Equal(PriResult.Success, rig.Device.RequestPage(DriverRig.Sid, DriverRig.Pasid, 0x1000, AtsPermissions.Read, 2));
    }

    [Fact]
    public void DrainEvents_returns_the_smmu_s_event_records()
    {
        var rig = new DriverRig();
        Assert.Equal(Errno.Ok, rig.Driver.AttachDevice(DriverRig.Sid, 20, ats: false, pri: false));
        _ = rig.Device.Translate(DriverRig.Sid, DriverRig.Pasid, 0x1000, AtsPermissions.Read); // ATS on an EATS-abort stream

        var events = new List<EventRecord>();
        Assert.Equal(1, rig.Driver.DrainEvents(events));
        Assert.Equal(EventId.F_BAD_ATS_TREQ, events[0].Id);
        Assert.Equal(rig.Reg32(R.EventqProd), rig.Reg32(R.EventqCons));
        Assert.Equal(0, rig.Driver.DrainEvents(events));                 // consumed
        Assert.Equal(1, rig.Driver.Stats.Events);
    }
}

using Emulator.Core.Pcie;
using Emulator.Core.Smmu;
using R = Emulator.Core.Smmu.SmmuRegisters;

namespace Emulator.Tests.Smmu;

/// <summary>Page requests: the PRI queue entry, the host handler answering with CMD_PRI_RESP, and the
/// automatic responses of §8.1–§8.2.</summary>
public sealed class SmmuPriqTests
{
    private const uint Pasid = 0x1234;

    /// <summary>A PRIQ handler like Linux arm_smmu_priq_thread: read every entry, answer each with
    /// <paramref name="response"/>, move CONS on.</summary>
    private static List<PriRequest> ServeWith(SmmuRig rig, PriResponse? response, int log2 = SmmuRig.PriqLog2)
    {
        var seen = new List<PriRequest>();
        rig.Smmu.PriInterrupt = () =>
        {
            Span<byte> raw = stackalloc byte[PriRequest.Size];
            var prod = new QueuePointer(rig.Read32(R.PriqProd), log2);
            var cons = new QueuePointer(rig.Read32(R.PriqCons), log2);
            while (!QueuePointer.IsEmpty(prod, cons))
            {
                Assert.True(rig.Memory.TryRead(rig.PriqPa + cons.Index * (ulong)PriRequest.Size, raw));
                var request = PriRequest.ReadFrom(raw);
                seen.Add(request);
                cons = cons.Advance();
                rig.Write32(R.PriqCons, cons.Raw);   // free the entry before answering (§8 credit note)
                if (response is PriResponse r)
                {
                    rig.Submit(Command.PriResp(request.StreamId, request.SubstreamId, request.SubstreamValid, request.GroupIndex, r),
                        Command.Sync(SyncCs.None, 0, 0));
                }
            }
        };
        return seen;
    }

    [Fact]
    public void A_page_request_lands_in_the_priq_and_the_handlers_response_is_returned()
    {
        var rig = new SmmuRig();
        var seen = ServeWith(rig, PriResponse.Success);

        var result = rig.Smmu.RequestPage(SmmuRig.Sid, Pasid, 0x7F00_1234_5678, AtsPermissions.Read | AtsPermissions.Write, groupIndex: 0x1A5);

        Assert.Equal(PriResult.Success, result);
        var entry = Assert.Single(seen);
        // Word 0: SID 3 | SSID 0x1234 << 32 | R (60) | W (61) | Last (62) | SSV (63). Word 1: PRG 0x1A5 | page address.
        Assert.Equal(new PriRequest(0xF000_1234_0000_0003UL, 0x7F00_1234_5000UL | 0x1A5), entry);
        Assert.Equal(1u, rig.Read32(R.PriqProd));
        Assert.Equal(1, rig.Smmu.CommandCount(CommandOpcode.PriResp));
    }

    [Theory]
    [InlineData(PriResponse.InvalidRequest, PriResult.InvalidRequest)]
    [InlineData(PriResponse.ResponseFailure, PriResult.ResponseFailure)]
    public void The_response_code_is_passed_through(PriResponse sent, PriResult expected)
    {
        var rig = new SmmuRig();
        ServeWith(rig, sent);
        Assert.Equal(expected, rig.Smmu.RequestPage(SmmuRig.Sid, Pasid, 0x1000, AtsPermissions.Read, 7));
    }

    [Fact]
    public void No_response_by_the_time_the_handler_returns_is_response_failure()
    {
        var rig = new SmmuRig();
        var seen = ServeWith(rig, response: null);
        Assert.Equal(PriResult.ResponseFailure, rig.Smmu.RequestPage(SmmuRig.Sid, Pasid, 0x1000, AtsPermissions.Read, 7));
        Assert.Single(seen);   // the request was delivered; nobody answered
    }

    [Fact]
    public void A_response_for_another_group_does_not_answer_this_one()
    {
        var rig = new SmmuRig();
        rig.Smmu.PriInterrupt = () => rig.Submit(Command.PriResp(SmmuRig.Sid, Pasid, true, 8, PriResponse.Success));
        Assert.Equal(PriResult.ResponseFailure, rig.Smmu.RequestPage(SmmuRig.Sid, Pasid, 0x1000, AtsPermissions.Read, 7));
    }

    [Fact]
    public void With_priqen_clear_requests_are_auto_answered_response_failure()
    {
        var rig = new SmmuRig(enable: false);
        rig.Enable(cr0: Cr0.SmmuEnBit | Cr0.CmdqEnBit | Cr0.EventqEnBit);
        var seen = ServeWith(rig, PriResponse.Success);
        Assert.Equal(PriResult.ResponseFailure, rig.Smmu.RequestPage(SmmuRig.Sid, Pasid, 0x1000, AtsPermissions.Read, 1));
        Assert.Empty(seen);                        // §8.2: nothing written, no interrupt
        Assert.Equal(0u, rig.Read32(R.PriqProd));
    }

    [Fact]
    public void A_full_priq_overflows_and_auto_answers_success_until_acknowledged()
    {
        var rig = new SmmuRig(enable: false);
        rig.Enable(priqLog2: 1);                   // two entries
        rig.Write32(R.IrqCtrl, R.IrqCtrlGErrorIrqEn | R.IrqCtrlEventqIrqEn);   // no PRIQ interrupt: nobody drains
        for (ushort g = 0; g < 2; g++)
        {
            Assert.Equal(PriResult.ResponseFailure, rig.Smmu.RequestPage(SmmuRig.Sid, Pasid, 0x1000, AtsPermissions.Read, g));
        }
        Assert.Equal(PriResult.Success, rig.Smmu.RequestPage(SmmuRig.Sid, Pasid, 0x1000, AtsPermissions.Read, 2)); // §8.1 auto-response
        var prod = new QueuePointer(rig.Read32(R.PriqProd), 1);
        Assert.True(prod.Overflow);                // OVFLG toggled

        rig.Write32(R.PriqCons, new QueuePointer(0, 1).Advance(2).Raw);      // software drains but does not acknowledge
        Assert.Equal(PriResult.Success, rig.Smmu.RequestPage(SmmuRig.Sid, Pasid, 0x1000, AtsPermissions.Read, 3));
        Assert.Equal(prod.Raw, rig.Read32(R.PriqProd));                       // still discarded: overflow inhibits writes

        rig.Write32(R.PriqCons, new QueuePointer(0, 1).Advance(2).WithOverflow(true).Raw);   // acknowledge
        rig.Write32(R.IrqCtrl, R.IrqCtrlPriqIrqEn);
        ServeWith(rig, PriResponse.Success, log2: 1);
        Assert.Equal(PriResult.Success, rig.Smmu.RequestPage(SmmuRig.Sid, Pasid, 0x1000, AtsPermissions.Read, 4));
        Assert.Equal(3u, new QueuePointer(rig.Read32(R.PriqProd), 1).Position);  // written again
        Assert.Equal(2, rig.Smmu.PriAutoResponses);                               // requests 2 and 3 were answered by the SMMU
    }
}

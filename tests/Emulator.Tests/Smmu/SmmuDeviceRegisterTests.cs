using Emulator.Core.Smmu;
using R = Emulator.Core.Smmu.SmmuRegisters;

namespace Emulator.Tests.Smmu;

/// <summary>The register file as a driver sees it through MMIO: ID registers, reset values, enables
/// and their acknowledgement, 64-bit registers, guarded registers.</summary>
public sealed class SmmuDeviceRegisterTests
{
    [Fact]
    public void Idr0_advertises_the_sva_feature_set()
    {
        var rig = new SmmuRig(enable: false);
        var idr0 = new Idr0(rig.Read32(R.Idr0));

        Assert.True(idr0.Stage1 && !idr0.Stage2);                // stage 1 only
        Assert.Equal(Idr0.TtfAArch64, idr0.Ttf);
        Assert.True(idr0.Ats && idr0.Pri);                       // options default to ATS and PRI
        Assert.True(idr0.Sev && idr0.Msi && idr0.Asid16 && idr0.Cd2L);
        Assert.Equal(Idr0.StLevelTwoLevel, idr0.StLevel);
        Assert.Equal(2, idr0.Httu);                              // A and D updated by the walker
        Assert.Equal(Idr0.StallModelTerminateOnly, idr0.StallModel);
        Assert.False(idr0.Hyp);
    }

    [Fact]
    public void Idr0_drops_ats_and_pri_when_the_options_do()
    {
        var rig = new SmmuRig(new SmmuOptions { AtsSupported = false, PriSupported = false }, enable: false);
        var idr0 = new Idr0(rig.Read32(R.Idr0));
        Assert.False(idr0.Ats);
        Assert.False(idr0.Pri);
    }

    [Fact]
    public void Idr1_and_idr5_reflect_the_options()
    {
        var rig = new SmmuRig(new SmmuOptions { SidBits = 12, SsidBits = 20, CmdqMaxLog2Size = 9, EventqMaxLog2Size = 7, PriqMaxLog2Size = 6 }, enable: false);
        var idr1 = new Idr1(rig.Read32(R.Idr1));
        Assert.Equal((9, 7, 6, 20, 12), (idr1.CmdqLog2Size, idr1.EventqLog2Size, idr1.PriqLog2Size, idr1.SsidSize, idr1.SidSize));
        var idr5 = new Idr5(rig.Read32(R.Idr5));
        Assert.Equal(48, idr5.OasBits);
        Assert.True(idr5.Granule4K);
    }

    [Fact]
    public void Reset_values()
    {
        var rig = new SmmuRig(enable: false);
        Assert.Equal(0u, rig.Read32(R.Cr0));
        Assert.Equal(0u, rig.Read32(R.Cr0Ack));
        Assert.Equal(0u, rig.Read32(R.GError));
        Assert.Equal(0u, rig.Read32(R.GErrorN));
        Assert.Equal(R.GbpaAbort, rig.Read32(R.Gbpa));   // abort until a driver says otherwise
        Assert.Equal(0u, rig.Read32(R.CmdqProd));
        Assert.Equal(0u, rig.Read32(R.EventqProd));
        Assert.Equal(0UL, rig.Read64(R.StrtabBase));
    }

    [Fact]
    public void Cr0_ack_mirrors_the_implemented_enables()
    {
        var rig = new SmmuRig(enable: false);
        rig.Write32(R.Cr0, Cr0.SmmuEnBit | Cr0.CmdqEnBit | 0x100);   // bit 8 (VMW) is not implemented
        Assert.Equal(Cr0.SmmuEnBit | Cr0.CmdqEnBit, rig.Read32(R.Cr0Ack));
        rig.Write32(R.Cr0, 0);
        Assert.Equal(0u, rig.Read32(R.Cr0Ack));
        rig.Write32(R.IrqCtrl, R.IrqCtrlEventqIrqEn);
        Assert.Equal(R.IrqCtrlEventqIrqEn, rig.Read32(R.IrqCtrlAck));  // IRQ_CTRLACK likewise
    }

    [Fact]
    public void Sixty_four_bit_registers_take_whole_or_half_accesses()
    {
        var rig = new SmmuRig(enable: false);
        rig.Write64(R.StrtabBase, 0x0000_0012_3456_7840UL);
        Assert.Equal(0x3456_7840u, rig.Read32(R.StrtabBase));        // low half
        Assert.Equal(0x12u, rig.Read32(R.StrtabBase + 4));           // high half
        rig.Write32(R.StrtabBase + 4, 0x4000_0012);                  // RA (bit 62) through the high half
        Assert.Equal(StrtabBase.ReadAllocate | 0x12_3456_7840UL, rig.Read64(R.StrtabBase));
        rig.Write64(R.StrtabBase, 0x7UL);                            // bits 5:0 are not part of ADDR
        Assert.Equal(0UL, rig.Read64(R.StrtabBase));
    }

    [Fact]
    public void Queue_base_is_read_only_while_its_queue_is_enabled()
    {
        var rig = new SmmuRig();
        ulong before = rig.Read64(R.CmdqBase);
        rig.Write64(R.CmdqBase, QueueBase.Create(0x10_0000, 4).Raw);
        Assert.Equal(before, rig.Read64(R.CmdqBase));   // ignored: CMDQEN is 1
    }

    [Fact]
    public void Gbpa_update_is_applied_and_cleared()
    {
        var rig = new SmmuRig(enable: false);
        rig.Write32(R.Gbpa, R.GbpaUpdate);              // ABORT 0, apply
        Assert.Equal(0u, rig.Read32(R.Gbpa));           // UPDATE reads 0: the update is complete
    }

    [Fact]
    public void Gerror_is_read_only()
    {
        var rig = new SmmuRig(enable: false);
        rig.Write32(R.GError, GError.CmdqErr);
        Assert.Equal(0u, rig.Read32(R.GError));
    }
}

using Emulator.Core.Smmu;

namespace Emulator.Tests.Smmu;

/// <summary>Register offsets (SMMUv3 §6.2) and the ID, control, error and queue-base register views
/// (§6.3), against values computed by hand.</summary>
public sealed class RegisterTests
{
    [Fact]
    public void Page_0_offsets_match_linux()
    {
        // arm-smmu-v3.h ARM_SMMU_*
        Assert.Equal(0x00, SmmuRegisters.Idr0);
        Assert.Equal(0x04, SmmuRegisters.Idr1);
        Assert.Equal(0x14, SmmuRegisters.Idr5);
        Assert.Equal(0x1C, SmmuRegisters.Aidr);
        Assert.Equal(0x20, SmmuRegisters.Cr0);
        Assert.Equal(0x24, SmmuRegisters.Cr0Ack);
        Assert.Equal(0x44, SmmuRegisters.Gbpa);
        Assert.Equal(0x50, SmmuRegisters.IrqCtrl);
        Assert.Equal(0x60, SmmuRegisters.GError);
        Assert.Equal(0x64, SmmuRegisters.GErrorN);
        Assert.Equal(0x80, SmmuRegisters.StrtabBase);
        Assert.Equal(0x88, SmmuRegisters.StrtabBaseCfg);
        Assert.Equal(0x90, SmmuRegisters.CmdqBase);
        Assert.Equal(0x98, SmmuRegisters.CmdqProd);
        Assert.Equal(0x9C, SmmuRegisters.CmdqCons);
        Assert.Equal(0xA0, SmmuRegisters.EventqBase);
        Assert.Equal(0xC0, SmmuRegisters.PriqBase);
    }

    [Fact]
    public void Event_and_pri_queue_pointers_live_in_page_1()
    {
        // Linux: arm_smmu_page1(smmu) = base + SZ_64K, then ARM_SMMU_EVTQ_PROD 0xa8 etc.
        Assert.Equal(0x100A8, SmmuRegisters.EventqProd);
        Assert.Equal(0x100AC, SmmuRegisters.EventqCons);
        Assert.Equal(0x100C8, SmmuRegisters.PriqProd);
        Assert.Equal(0x100CC, SmmuRegisters.PriqCons);
        Assert.Equal(0x20000, SmmuRegisters.WindowSize); // two 64 KiB pages
    }

    [Fact]
    public void Idr0_for_a_stage_1_sva_smmu()
    {
        var idr0 = new Idr0(0)
            .With(Idr0.S1P | Idr0.CohAcc | Idr0.AtsBit | Idr0.Asid16Bit | Idr0.MsiBit | Idr0.PriBit | Idr0.Cd2LBit | Idr0.TermModelBit)
            .WithTtf(Idr0.TtfAArch64)
            .WithTtEndian(Idr0.TtEndianLittle)
            .WithStallModel(Idr0.StallModelTerminateOnly)
            .WithStLevel(Idr0.StLevelTwoLevel);

        // S1P 0x2 | TTF 2<<2 = 0x8 | COHACC 0x10 | ATS 0x400 | ASID16 0x1000 | MSI 0x2000 | PRI 0x10000 | CD2L 0x80000
        // | TTENDIAN 2<<21 = 0x400000 | STALL_MODEL 1<<24 | TERM_MODEL 1<<26 | ST_LEVEL 1<<27
        Assert.Equal(0x0D49_341Au, idr0.Raw);
        Assert.True(idr0.Stage1 && !idr0.Stage2 && idr0.Ats && idr0.Pri && idr0.Cd2L && idr0.Asid16 && idr0.Msi && idr0.CoherentAccess);
        Assert.False(idr0.Hyp || idr0.Sev || idr0.Vmid16);
        Assert.Equal(Idr0.TtfAArch64, idr0.Ttf);
        Assert.Equal(Idr0.TtEndianLittle, idr0.TtEndian);
        Assert.Equal(Idr0.StallModelTerminateOnly, idr0.StallModel);
        Assert.True(idr0.TermModel);
        Assert.Equal(Idr0.StLevelTwoLevel, idr0.StLevel);
        Assert.Equal(0, idr0.Httu);
    }

    [Fact]
    public void Idr1_sizes()
    {
        var idr1 = Idr1.Create(cmdqLog2Size: 8, eventqLog2Size: 7, priqLog2Size: 6, ssidSize: 20, sidSize: 16);

        // CMDQS 8<<21 = 0x1000000 | EVTQS 7<<16 = 0x70000 | PRIQS 6<<11 = 0x3000 | SSIDSIZE 20<<6 = 0x500 | SIDSIZE 16
        Assert.Equal(0x0107_3510u, idr1.Raw);
        Assert.Equal((8, 7, 6, 20, 16), (idr1.CmdqLog2Size, idr1.EventqLog2Size, idr1.PriqLog2Size, idr1.SsidSize, idr1.SidSize));
        Assert.Throws<ArgumentOutOfRangeException>(() => Idr1.Create(20, 0, 0, 0, 0)); // queues hold at most 2^19 entries
        Assert.Throws<ArgumentOutOfRangeException>(() => Idr1.Create(0, 0, 0, 21, 0)); // SubstreamIDs are at most 20 bits
    }

    [Fact]
    public void Idr5_output_size_and_granules()
    {
        Assert.Equal(0x15u, Idr5.Create(48, Idr5.Gran4K).Raw); // OAS 5 | GRAN4K 1<<4
        Assert.Equal(0x56u, Idr5.Create(52, Idr5.Gran4K | Idr5.Gran64K).Raw); // OAS 6 | 0x10 | 0x40
        Assert.Equal(52, new Idr5(0x56).OasBits);
        Assert.True(new Idr5(0x56).Granule64K && !new Idr5(0x56).Granule16K);
        Assert.Equal(0, new Idr5(0x7).OasBits); // OAS 0b111 Reserved
        Assert.Throws<ArgumentOutOfRangeException>(() => Idr5.Create(47, 0));
    }

    [Fact]
    public void Cr0_enables()
    {
        var cr0 = new Cr0(0x9); // SMMUEN 1 | CMDQEN 1<<3

        Assert.True(cr0.SmmuEnabled && cr0.CmdqEnabled);
        Assert.False(cr0.EventqEnabled || cr0.PriqEnabled || cr0.AtsCheck);
        Assert.Equal(0x1Fu, Cr0.ImplementedMask); // bits 4:0
    }

    [Fact]
    public void Gerror_errors_are_active_while_gerror_and_gerrorn_differ()
    {
        Assert.Equal(0x1FDu, GError.ErrorMask); // Linux GERROR_ERR_MASK: bits 8:2 and 0

        GError gerror = new GError(0).Toggle(GError.CmdqErr | GError.EventqAbtErr); // the SMMU raises two errors
        Assert.Equal(0x5u, gerror.Raw); // bits 0 and 2 toggled
        Assert.Equal(0x5u, GError.Active(gerror, new GError(0))); // both active

        var gerrorn = new GError(0x1); // software acknowledges CMDQ_ERR by toggling GERRORN bit 0
        Assert.Equal(0x4u, GError.Active(gerror, gerrorn)); // only EVTQ_ABT_ERR left

        gerror = gerror.Toggle(GError.CmdqErr); // the SMMU raises CMDQ_ERR again: 0x5 -> 0x4
        Assert.Equal(0x5u, GError.Active(gerror, gerrorn)); // 0x4 ^ 0x1: active again, with the old EVTQ_ABT_ERR

        Assert.Equal(0u, GError.Active(gerror, new GError(gerror.Raw))); // writing GERRORN = GERROR acknowledges all (Linux)
        Assert.Equal(0u, GError.Active(new GError(0x200), new GError(0))); // bit 9 is not an error this model reports
    }

    [Fact]
    public void Queue_base_layout_and_alignment()
    {
        var b = QueueBase.Create(0x8000_1000, 8, allocate: true);

        Assert.Equal(0x4000_0000_8000_1008UL, b.Raw); // RA 1<<62 | ADDR 0x80001000 | LOG2SIZE 8
        Assert.Equal(0x8000_1000UL, b.EffectiveAddress(16, 19)); // 256 * 16 B = 4 KiB, already aligned
        Assert.Equal(0x8000_1000UL, QueueBase.Create(0x8000_1F80, 8).EffectiveAddress(16, 19)); // aligned down to 4 KiB
        Assert.Equal(0x8000_1E00UL, QueueBase.Create(0x8000_1F80, 4).EffectiveAddress(32, 19)); // 16 events * 32 B = 512 B
        Assert.Equal(0x8000_1F80UL, QueueBase.Create(0x8000_1F80, 0).EffectiveAddress(16, 19)); // one entry: 32-byte minimum
        Assert.Equal(19, new QueueBase(0x1F).EffectiveLog2Size(19)); // LOG2SIZE 31 is capped at IDR1.CMDQS
        Assert.Equal(7, b.EffectiveLog2Size(7)); // and 8 at a maximum of 7
    }
}

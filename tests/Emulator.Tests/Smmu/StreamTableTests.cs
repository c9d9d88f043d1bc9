using Emulator.Core.Smmu;

namespace Emulator.Tests.Smmu;

/// <summary>STE (SMMUv3 §5.2), L1STD (§5.1) and the stream table registers (§6.3.24, §6.3.25), each
/// against words computed by hand.</summary>
public sealed class StreamTableTests
{
    [Fact]
    public void An_sva_ste_has_the_words_linux_writes()
    {
        // arm_smmu_make_cdtable_ste: CD table at 0x80000000, 2^20 CDs in 64 KiB leaves, S1DSS SSID0, ATS on.
        var ste = StreamTableEntry.S1Translate(0x8000_0000, 20, CdTableFormat.TwoLevel64K, DefaultSubstream.Substream0, AtsMode.Translate);

        // V 1 | CFG 5<<1 = 0xa | S1FMT 2<<4 = 0x20 | ctx 0x80000000 | S1CDMAX 20<<59 = 0xa000000000000000
        Assert.Equal(0xA000_0000_8000_002BUL, ste.Word0);
        // S1DSS 2 | S1CIR 1<<2 = 0x4 | S1COR 1<<4 = 0x10 | S1CSH 3<<6 = 0xc0 | EATS 1<<28 | STRW 0
        Assert.Equal(0x0000_0000_1000_00D6UL, ste.Word1);
        Assert.Equal(0UL, ste.Word2 | ste.Word3 | ste.Word4 | ste.Word5 | ste.Word6 | ste.Word7); // nothing else
    }

    [Fact]
    public void A_single_cd_ste_without_ats()
    {
        var ste = StreamTableEntry.S1Translate(0x1_2345_6789_ABC0, 0, CdTableFormat.Linear, DefaultSubstream.Terminate, AtsMode.Abort);

        Assert.Equal(0x0001_2345_6789_ABCBUL, ste.Word0); // V 1 | CFG 0xa | ctx 0x123456789abc0 (64-byte aligned)
        Assert.Equal(0x0000_0000_0000_00D4UL, ste.Word1); // S1CIR 0x4 | S1COR 0x10 | S1CSH 0xc0
        Assert.False(ste.SubstreamInRange(0)); // S1CDMax 0: no substreams at all
    }

    [Fact]
    public void Abort_bypass_and_invalid_stes()
    {
        Assert.Equal(0x1UL, StreamTableEntry.Abort().Word0); // V 1, CFG 0b000
        Assert.Equal(0x9UL, StreamTableEntry.Bypass().Word0); // V 1 | CFG 0b100<<1 = 0x8
        Assert.False(StreamTableEntry.Invalid.Valid); // V 0
        Assert.Equal(SteConfig.Bypass, StreamTableEntry.Bypass().Config);
        Assert.False(StreamTableEntry.Bypass().Stage1Translates); // 0b100: both stages bypass
        Assert.True(StreamTableEntry.S1Translate(0, 0, 0, 0, 0).Stage1Translates); // 0b101
    }

    [Fact]
    public void Ste_fields_read_back_from_raw_words()
    {
        // V 1 | CFG 7<<1 = 0xe | S1FMT 1<<4 | ctx 0x1234567800 | S1CDMAX 10<<59 = 0x5000000000000000
        // word 1: S1DSS 1 | MEV 1<<19 | S1STALLD 1<<27 | EATS 2<<28 | STRW 2<<30 | SHCFG 1<<44
        var ste = new StreamTableEntry(0x5000_0012_3456_781F, 0x0000_1000_A808_0001, 0x77, 0x0000_00AB_CDEF_0000);

        Assert.True(ste.Valid);
        Assert.Equal(SteConfig.Nested, ste.Config);
        Assert.Equal(CdTableFormat.TwoLevel4K, ste.S1Fmt);
        Assert.Equal(0x48D1_59E0UL, ste.S1ContextPtr); // the field: 0x1234567800 >> 6
        Assert.Equal(0x12_3456_7800UL, ste.S1ContextPtrPa); // the address
        Assert.Equal(10, ste.S1CdMax);
        Assert.Equal(DefaultSubstream.Bypass, ste.S1Dss);
        Assert.True(ste.MergeEvents);
        Assert.True(ste.S1StallDisable);
        Assert.Equal(AtsMode.SplitStage, ste.Eats);
        Assert.Equal(StreamWorld.El2, ste.Strw);
        Assert.Equal(1, ste.ShCfg);
        Assert.Equal((ushort)0x77, ste.S2Vmid);
        Assert.Equal(0xAB_CDEF_0000UL, ste.S2Ttb);
        Assert.True(ste.SubstreamInRange(0x3FF)); // 2^10 CDs: 0..0x3ff
        Assert.False(ste.SubstreamInRange(0x400)); // C_BAD_SUBSTREAMID territory
    }

    [Fact]
    public void Ste_survives_a_trip_through_memory_with_all_eight_words()
    {
        var ste = new StreamTableEntry(1, 2, 3, 4, 5, 6, 7, 0x8000_0000_0000_0008);
        var bytes = new byte[StreamTableEntry.Size];

        ste.WriteTo(bytes);

        Assert.Equal(ste, StreamTableEntry.ReadFrom(bytes)); // all 64 bytes round-trip
        Assert.Equal(1, bytes[0]); // word 0 low byte first
        Assert.Equal(8, bytes[56]); // word 7 at byte 56
        Assert.Equal(0x80, bytes[63]); // word 7 top byte last
        Assert.Throws<ArgumentException>(() => StreamTableEntry.ReadFrom(new byte[63]));
    }

    [Fact]
    public void L1std_as_linux_writes_it()
    {
        // Linux: span = STRTAB_SPLIT + 1 = 9 (256 STEs), l2ptr & 51:6
        var d = StreamTableDescriptor.Create(0x4000_0000, 9);

        Assert.Equal(0x4000_0009UL, d.Raw); // L2Ptr 0x40000000 | SPAN 9
        Assert.Equal(256u, d.StreamCount); // 2^(9-1)
        Assert.True(d.IsValid(8)); // Span 9 = SPLIT 8 + 1
        Assert.False(d.IsValid(6)); // Span 9 > SPLIT 6 + 1: out of bounds, C_BAD_STREAMID
    }

    [Fact]
    public void L1std_span_rules()
    {
        Assert.False(new StreamTableDescriptor(0x4000_0000).IsValid(8)); // Span 0: invalid
        Assert.False(new StreamTableDescriptor(0x4000_000C).IsValid(10)); // Span 12: Reserved, behaves as 0
        Assert.Equal(0u, new StreamTableDescriptor(0x4000_000C).StreamCount);
        // Span 9: 256 STEs * 64 B = 16 KiB, so L2Ptr[13:0] are taken as zero: 0x40002040 -> 0x40000000
        Assert.Equal(0x4000_0000UL, new StreamTableDescriptor(0x4000_2049).EffectiveL2Address);
        Assert.Throws<ArgumentOutOfRangeException>(() => StreamTableDescriptor.Create(0, 12));
    }

    [Fact]
    public void Strtab_base_cfg_for_a_two_level_table()
    {
        var cfg = StrtabBaseCfg.Create(StreamTableFormat.TwoLevel, 8, 16);

        Assert.Equal(0x0001_0210u, cfg.Raw); // FMT 1<<16 | SPLIT 8<<6 = 0x200 | LOG2SIZE 16 = 0x10
        Assert.Equal(StreamTableFormat.TwoLevel, cfg.EffectiveFormat);
        Assert.Equal(0x12u, cfg.L1Index(0x1234)); // StreamID[15:8]
        Assert.Equal(0x34u, cfg.L2Index(0x1234)); // StreamID[7:0]
        Assert.True(cfg.Contains(0xFFFF, 16)); // 2^16 StreamIDs
        Assert.False(cfg.Contains(0x1_0000, 16)); // C_BAD_STREAMID
        Assert.False(cfg.Contains(0x1000, 12)); // LOG2SIZE capped at SIDSIZE 12
    }

    [Fact]
    public void Strtab_base_cfg_reserved_values_behave_as_the_spec_says()
    {
        // SPLIT 7 (7<<6 = 0x1c0) is Reserved and behaves as 6; FMT 2 (0x20000) is Reserved and behaves as linear.
        var cfg = new StrtabBaseCfg(0x0002_01C8);

        Assert.Equal(6, cfg.EffectiveSplit);
        Assert.Equal(StreamTableFormat.Linear, cfg.EffectiveFormat);
        Assert.Equal(8, cfg.Log2Size); // LOG2SIZE as written
    }

    [Fact]
    public void Strtab_base_is_aligned_to_the_table()
    {
        var base1 = StrtabBase.Create(0x8000_3FC0);
        // linear, 2^8 STEs * 64 B = 16 KiB: ADDR[13:0] = 0
        Assert.Equal(0x8000_0000UL, StrtabBaseCfg.Create(StreamTableFormat.Linear, 0, 8).EffectiveBase(base1));
        // 2-level, LOG2SIZE 16, SPLIT 8: 2^8 L1STDs * 8 B = 2 KiB: ADDR[MAX(5, 16-8-1+3) = 10:0] = 0
        Assert.Equal(0x8000_3800UL, StrtabBaseCfg.Create(StreamTableFormat.TwoLevel, 8, 16).EffectiveBase(base1));
        // 2-level smaller than 64 bytes: aligned to 64 only
        Assert.Equal(0x8000_3FC0UL, StrtabBaseCfg.Create(StreamTableFormat.TwoLevel, 8, 4).EffectiveBase(base1));
        // RA is bit 62
        Assert.Equal(0x4000_0000_8000_0000UL, StrtabBase.Create(0x8000_0000, readAllocate: true).Raw);
    }
}

using Emulator.Core.Smmu;

namespace Emulator.Tests.Smmu;

/// <summary>CD (SMMUv3 §5.4) and L1CD (§5.3) against words computed by hand.</summary>
public sealed class ContextDescriptorTests
{
    [Fact]
    public void An_sva_cd_has_the_words_linux_writes()
    {
        // arm_smmu_make_sva_cd for a live mm: ASID 0x42, 48-bit VA (T0SZ 16), IPS 5 (48-bit), root 0x12345000.
        var cd = ContextDescriptor.Sva(0x42, 0x1234_5000, 16, ips: 5);

        // T0SZ 0x10 | IR0 1<<8 | OR0 1<<10 | SH0 3<<12 = 0x3510; EPD1 1<<30 | V 1<<31 = 0xc0000000;
        // IPS 5<<32; AA64 1<<41 | R 1<<45 | A 1<<46 | ASET 1<<47 = 0xe20000000000; ASID 0x42<<48
        Assert.Equal(0x0042_E205_C000_3510UL, cd.Word0);
        Assert.Equal(0x1234_5000UL, cd.Word1); // TTB0 bits 51:4
        Assert.Equal(0UL, cd.Word2 | cd.Word3); // TTB1 unused; MAIR is not used by the x86 walk
    }

    [Fact]
    public void A_five_level_sva_cd()
    {
        // 57-bit VA: T0SZ 7; default IPS 6 (52-bit); ASID 7; PML5 at 0x123456000
        var cd = ContextDescriptor.Sva(7, 0x1_2345_6000, 7);

        Assert.Equal(0x0007_E206_C000_3507UL, cd.Word0); // T0SZ 7 | 0x3500 | 0xc0000000 | IPS 6<<32 | 0xe20000000000 | 7<<48
        Assert.Equal(0x1_2345_6000UL, cd.Ttb0);
    }

    [Fact]
    public void The_quiet_cd_blocks_every_walk_and_records_nothing()
    {
        // arm_smmu_make_sva_cd(mm = NULL): EPD0 added, S and R cleared.
        var cd = ContextDescriptor.Quiet(0x42, ips: 5);

        // EPD0 1<<14 | EPD1 | V = 0xc0004000; IPS 5<<32; AA64 | A | ASET = 0xc20000000000; ASID 0x42<<48
        Assert.Equal(0x0042_C205_C000_4000UL, cd.Word0);
        Assert.Equal(0UL, cd.Word1); // no table root
        Assert.True(cd.Valid && cd.Epd0 && cd.Epd1); // still valid (no C_BAD_CD) but walks disabled
        Assert.False(cd.RecordFaults); // faults are not recorded
        Assert.Equal((ushort)0x42, cd.Asid); // the ASID stays, so TLBI by ASID still reaches it
    }

    [Fact]
    public void Cd_fields_read_back_from_raw_words()
    {
        var cd = new ContextDescriptor(0x0042_E205_C000_3510, 0x0000_0001_2345_6000, 0, 0xFF44_0400);

        Assert.True(cd.Valid); // bit 31
        Assert.Equal(16, cd.T0Sz); // bits 5:0
        Assert.Equal(0, cd.Tg0); // bits 7:6: 4 KiB
        Assert.Equal(1, cd.Ir0); // bits 9:8
        Assert.Equal(1, cd.Or0); // bits 11:10
        Assert.Equal(3, cd.Sh0); // bits 13:12
        Assert.False(cd.Epd0); // bit 14
        Assert.True(cd.Epd1); // bit 30
        Assert.Equal(5, cd.Ips); // bits 34:32
        Assert.True(cd.AA64); // bit 41
        Assert.False(cd.Stall); // bit 44
        Assert.True(cd.RecordFaults); // bit 45
        Assert.True(cd.AbortTerminated); // bit 46
        Assert.True(cd.Aset); // bit 47
        Assert.Equal((ushort)0x42, cd.Asid); // bits 63:48
        Assert.Equal(0x1_2345_6000UL, cd.Ttb0); // word 1 bits 51:4
        Assert.Equal(0xFF44_0400UL, cd.Mair); // word 3
    }

    [Fact]
    public void Cd_survives_a_trip_through_memory()
    {
        var cd = new ContextDescriptor(0x0042_E205_C000_3510, 0x1234_5000, 3, 4, 5, 6, 7, 8);
        Span<byte> bytes = stackalloc byte[ContextDescriptor.Size];

        cd.WriteTo(bytes);

        Assert.Equal(cd, ContextDescriptor.ReadFrom(bytes));
        Assert.Equal(0x10, bytes[0]); // word 0 low byte (T0SZ 16) first
        Assert.Equal(0xC0, bytes[3]); // V (bit 31) and EPD1 (bit 30) are bits 7 and 6 of byte 3
        Assert.Equal(0x42, bytes[6]); // ASID low byte at bit 48 = byte 6
    }

    [Fact]
    public void L1cd_as_linux_writes_it()
    {
        var d = CdTableDescriptor.Create(0x5_6789_A000);

        Assert.Equal(0x5_6789_A001UL, d.Raw); // L2Ptr 51:12 | V
        Assert.True(d.Valid);
        Assert.Equal(0x5_6789_A000UL, new CdTableDescriptor(0x5_6789_AFFF).L2Ptr); // bits 11:1 are not address
        Assert.False(new CdTableDescriptor(0x5_6789_A000).Valid); // V 0: C_BAD_SUBSTREAMID on use
    }
}

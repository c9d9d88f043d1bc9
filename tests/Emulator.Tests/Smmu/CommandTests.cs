using Emulator.Core.Smmu;

namespace Emulator.Tests.Smmu;

/// <summary>Reading fields out of hand-written command words, and the legality checks the command
/// queue relies on to raise CERROR_ILL (SMMUv3 §4.1.3, §4.1.5).</summary>
public sealed class CommandTests
{
    private static readonly Idr0 NoFeatures = new(0);

    /// <summary>Everything the commands below may need: S1P, S2P, Hyp, ATS, PRI, stall model 0b00.</summary>
    private static readonly Idr0 AllFeatures = new Idr0(0).With(Idr0.S1P | Idr0.S2P | Idr0.HypBit | Idr0.AtsBit | Idr0.PriBit);

    [Fact]
    public void Atc_inv_fields_read_back_from_raw_words()
    {
        // op 0x40 | GLOBAL 0x200 | SSV 0x800 | ssid 5<<12 | sid 0x12<<32; size 3 | addr 0x123456789000
        var cmd = new Command(0x0000_0012_0000_5A40, 0x0000_1234_5678_9003);

        Assert.Equal(CommandOpcode.AtcInv, cmd.Opcode); // bits 7:0
        Assert.True(cmd.SubstreamValid); // bit 11
        Assert.True(cmd.AtcGlobal); // bit 9
        Assert.Equal(5u, cmd.SubstreamId); // bits 31:12
        Assert.Equal(0x12u, cmd.StreamId); // bits 63:32
        Assert.Equal(3, cmd.AtcSize); // word 1 bits 5:0: 8 pages
        Assert.Equal(0x1234_5678_9000UL, cmd.AtcAddress); // word 1 bits 63:12 as written
    }

    [Fact]
    public void Atc_inv_span_is_aligned_by_the_smmu_not_rejected()
    {
        // size 3 = 32 KiB; 0x123456789000 is 4 KiB- but not 32 KiB-aligned. §4.5.1: Address[11+Size:0] taken as zero.
        var cmd = Command.AtcInv(1, 0, false, 0x1234_5678_9000, 3, false);

        Assert.Equal(IllegalCommandReason.None, cmd.Validate()); // a misaligned address is legal
        Assert.Equal(0x1234_5678_8000UL, cmd.AtcEffectiveAddress); // 0x...9000 & ~0x7fff
        Assert.True(cmd.AtcCovers(0x1234_5678_8000)); // first byte of the aligned span
        Assert.True(cmd.AtcCovers(0x1234_5678_FFFF)); // last byte of it
        Assert.False(cmd.AtcCovers(0x1234_5679_0000)); // one past the end
        Assert.False(cmd.AtcCovers(0x1234_5678_7FFF)); // one before the start
    }

    [Fact]
    public void Atc_inv_size_52_covers_everything()
    {
        var cmd = Command.AtcInvAll(1, 0, false);

        Assert.Equal(0UL, cmd.AtcEffectiveAddress); // a 2^64 span starts at 0
        Assert.True(cmd.AtcCovers(0) && cmd.AtcCovers(ulong.MaxValue)); // both ends of the address space
    }

    [Fact]
    public void Tlbi_nh_va_fields_read_back_from_raw_words()
    {
        // op 0x12 | NUM 4<<12 = 0x4000 | SCALE 3<<20 = 0x300000 | VMID 0x1234<<32 | ASID 0xabcd<<48
        // word 1: va 0x7f0000000000 | TG 1<<10 = 0x400 | TTL 2<<8 = 0x200 | LEAF 1
        var cmd = new Command(0xABCD_1234_0030_4012, 0x0000_7F00_0000_0601);

        Assert.Equal(CommandOpcode.TlbiNhVa, cmd.Opcode);
        Assert.Equal(4, cmd.TlbiNum); // bits 16:12
        Assert.Equal(3, cmd.TlbiScale); // bits 24:20
        Assert.Equal((ushort)0x1234, cmd.Vmid); // bits 47:32
        Assert.Equal((ushort)0xABCD, cmd.Asid); // bits 63:48
        Assert.Equal(1, cmd.TlbiTg); // word 1 bits 11:10: 4 KiB granule
        Assert.Equal(2, cmd.TlbiTtl); // word 1 bits 9:8: level 2
        Assert.True(cmd.Leaf); // word 1 bit 0
        Assert.Equal(0x7F00_0000_0000UL, cmd.TlbiAddress); // word 1 bits 63:12
        Assert.Equal(0x28000UL, cmd.TlbiRangeSize); // (4+1) * 2^3 = 40 granules * 4 KiB = 163840
        Assert.Equal(IllegalCommandReason.None, cmd.Validate()); // a legal range TLBI
    }

    [Fact]
    public void Tlbi_without_a_granule_is_a_single_address()
    {
        Assert.Equal(0UL, Command.TlbiNhVa(1, 0x1000, true).TlbiRangeSize); // TG 0: no range
    }

    [Fact]
    public void Sync_pri_resp_and_resume_fields_read_back_from_raw_words()
    {
        // SYNC: op 0x46 | CS IRQ 0x1000 | MSH 3<<22 | MSIATTR 0xf<<24 | MSIDATA 0xdeadbeef<<32; MSIADDR 0x80001000
        var sync = new Command(0xDEAD_BEEF_0FC0_1046, 0x0000_0000_8000_1000);
        Assert.Equal(SyncCs.Irq, sync.SyncCompletion);
        Assert.Equal(3, sync.SyncMsh);
        Assert.Equal(0xF, sync.SyncMsiAttr);
        Assert.Equal(0xDEAD_BEEFu, sync.SyncMsiData);
        Assert.Equal(0x8000_1000UL, sync.SyncMsiAddress);

        // PRI_RESP: op 0x41 | SSV | ssid 0x20<<12 | sid 0x10<<32; grpid 0x1ff | RESP 2<<12
        var resp = new Command(0x0000_0010_0002_0841, 0x21FF);
        Assert.Equal(0x10u, resp.StreamId);
        Assert.Equal(0x20u, resp.SubstreamId);
        Assert.True(resp.SubstreamValid);
        Assert.Equal((ushort)0x1FF, resp.PriGroupIndex);
        Assert.Equal(PriResponse.Success, resp.PriResponse);

        // RESUME: op 0x44 | Ac 1<<12 | Ab 1<<13 | sid 0x55<<32; STAG 0xbeef
        var resume = new Command(0x0000_0055_0000_3044, 0xBEEF);
        Assert.Equal(ResumeResponse.Retry, resume.ResumeAction); // §4.7.1: with Ac = 1, Ab is IGNORED
        Assert.Equal((ushort)0xBEEF, resume.ResumeStag);
        Assert.Equal(IllegalCommandReason.None, resume.Validate()); // and the combination is legal
    }

    [Fact]
    public void Cfgi_ste_range_ignores_the_bottom_range_plus_one_bits()
    {
        var cmd = Command.CfgiSteRange(0x234, 7); // 2^8 StreamIDs aligned: 0x200..0x2ff

        Assert.True(cmd.CfgiRangeCovers(0x200)); // first
        Assert.True(cmd.CfgiRangeCovers(0x2FF)); // last
        Assert.False(cmd.CfgiRangeCovers(0x1FF)); // just below
        Assert.False(cmd.CfgiRangeCovers(0x300)); // just above
        Assert.True(Command.CfgiAll().CfgiRangeCovers(0xFFFF_FFFF)); // Range 31: every StreamID
        Assert.Equal("CMD_CFGI_ALL", Command.CfgiAll().ToString()); // opcode 0x04 with Range 31 prints as CFGI_ALL
    }

    [Theory]
    // §4.1.1: 0x00 and 0x90-0xff Reserved; 0x02 PREFETCH_ADDR, 0x07 CFGI_VMS_PIDM, 0x2a TLBI_S2_IPA, 0x45 STALL_TERM,
    // 0x50 TLBI_S_EL2_ALL, 0x80 IMPLEMENTATION DEFINED are not accepted by this model.
    [InlineData(0x00)]
    [InlineData(0x02)]
    [InlineData(0x07)]
    [InlineData(0x2A)]
    [InlineData(0x45)]
    [InlineData(0x50)]
    [InlineData(0x80)]
    [InlineData(0xFF)]
    public void Unknown_opcodes_are_illegal(byte opcode)
    {
        Assert.Equal(IllegalCommandReason.UnknownOpcode, new Command(opcode, 0).Validate());
    }

    [Theory]
    // CFGI_STE with SSID bits (31:12 undefined for it): op 0x03 | 1<<12 | sid 1<<32
    [InlineData(0x0000_0001_0000_1003UL, 0UL)]
    // TLBI_NH_ALL with an ASID (63:48 undefined for it)
    [InlineData(0x0001_0000_0000_0010UL, 0UL)]
    // ATC_INV with word 1 bit 6 set (11:6 between SIZE and ADDR)
    [InlineData(0x0000_0001_0000_0040UL, 0x7040UL)]
    // ATC_INV with word 0 bit 8 set (between OP and GLOBAL)
    [InlineData(0x0000_0001_0000_0140UL, 0UL)]
    // SYNC with MSIADDR bits 1:0 set (below the 51:2 field)
    [InlineData(0x0000_0000_0000_2046UL, 0x8000_1001UL)]
    // SYNC with MSIADDR bit 52 set (above the field)
    [InlineData(0x0000_0000_0000_2046UL, 0x0010_0000_0000_0000UL)]
    // PRI_RESP with word 1 bit 9 set (between GRPID and RESP)
    [InlineData(0x0000_0010_0000_0041UL, 0x0200UL)]
    // TLBI_NH_VA with TG 0 but NUM 1: the range fields are RES0 without a granule (§4.4.1.1)
    [InlineData(0x0000_0000_0000_1012UL, 0x1000UL)]
    // TLBI_NSNH_ALL with anything in word 1
    [InlineData(0x0000_0000_0000_0030UL, 1UL)]
    public void Non_zero_reserved_fields_are_illegal(ulong word0, ulong word1)
    {
        Assert.Equal(IllegalCommandReason.ReservedFieldSet, new Command(word0, word1).Validate());
    }

    [Theory]
    // §4.1.6: SSec (bit 10) on the Non-secure queue. CFGI_STE, PREFETCH_CONFIG, RESUME.
    [InlineData(0x0000_0001_0000_0403UL)]
    [InlineData(0x0000_0001_0000_0401UL)]
    [InlineData(0x0000_0001_0000_0444UL)]
    public void SSec_is_illegal_on_the_non_secure_queue(ulong word0)
    {
        Assert.Equal(IllegalCommandReason.SecureStreamOnNonSecureQueue, new Command(word0, 0).Validate());
    }

    [Theory]
    [InlineData(53)] // just above ATC_INV_SIZE_ALL
    [InlineData(63)] // the largest value the 6-bit field holds
    public void Atc_inv_size_above_52_is_illegal(int size)
    {
        var cmd = new Command(0x0000_0001_0000_0040, (ulong)size);

        Assert.Equal(IllegalCommandReason.AtcInvSizeTooLarge, cmd.Validate()); // §4.5.1, this model's choice
        Assert.Equal(IllegalCommandReason.None, new Command(0x0000_0001_0000_0040, 52).Validate()); // 52 itself is "all"
    }

    [Fact]
    public void Reserved_field_values_are_illegal()
    {
        // PRI_RESP Resp 0b11: word 1 3<<12
        Assert.Equal(IllegalCommandReason.PriResponseReserved, new Command(0x0000_0010_0000_0041, 0x3000).Validate());
        // SYNC CS 0b11: word 0 3<<12
        Assert.Equal(IllegalCommandReason.SyncCsReserved, new Command(0x3046, 0).Validate());
        // TLBI_NH_VA TG 1 (0x400) with NUM = SCALE = TTL = 0
        Assert.Equal(IllegalCommandReason.TlbiRangeReserved, new Command(0x12, 0x400).Validate());
        // TLBI_NH_VAA TG 2 (16 KiB, 0x800) with TTL 1 (0x100): Reserved without IDR5.DS
        Assert.Equal(IllegalCommandReason.TlbiTtlReserved, new Command(0x13, 0x900).Validate());
        // TG 2 with TTL 2 is fine
        Assert.Equal(IllegalCommandReason.None, new Command(0x13, 0xA00).Validate());
    }

    [Fact]
    public void Commands_for_absent_features_are_illegal()
    {
        Assert.Equal(IllegalCommandReason.AtsNotImplemented, Command.AtcInvAll(1, 0, false).Validate(NoFeatures)); // §4.5.1
        Assert.Equal(IllegalCommandReason.PriNotImplemented,
            Command.PriResp(1, 0, false, 0, PriResponse.Success).Validate(NoFeatures)); // §4.5.2
        Assert.Equal(IllegalCommandReason.Stage1NotImplemented, Command.CfgiCd(1, 0, true).Validate(NoFeatures)); // §4.3.3
        Assert.Equal(IllegalCommandReason.Stage1NotImplemented, Command.CfgiCdAll(1).Validate(NoFeatures)); // §4.3.4
        Assert.Equal(IllegalCommandReason.Stage1NotImplemented, Command.TlbiNhAsid(1).Validate(NoFeatures)); // §4.4.2
        Assert.Equal(IllegalCommandReason.Stage1NotImplemented, Command.TlbiNhVaa(0, false).Validate(NoFeatures));
        Assert.Equal(IllegalCommandReason.Stage2NotImplemented, Command.TlbiS12Vmall(1).Validate(NoFeatures)); // §4.4.3.2
        Assert.Equal(IllegalCommandReason.HypNotImplemented, Command.TlbiEl2All().Validate(NoFeatures)); // §4.4.2.7
        Assert.Equal(IllegalCommandReason.StallNotImplemented,
            Command.Resume(1, 0, ResumeResponse.Retry).Validate(new Idr0(0).WithStallModel(Idr0.StallModelTerminateOnly))); // §4.7.1
        Assert.Equal(IllegalCommandReason.None, Command.TlbiNsnhAll().Validate(NoFeatures)); // §4.4.4.1: valid on any SMMU
        Assert.Equal(IllegalCommandReason.None, Command.CfgiAll().Validate(NoFeatures)); // config invalidation needs nothing
    }

    [Fact]
    public void With_every_feature_every_factory_command_is_legal()
    {
        Assert.Equal(IllegalCommandReason.None, Command.AtcInvAll(1, 0, false).Validate(AllFeatures));
        Assert.Equal(IllegalCommandReason.None, Command.PriResp(1, 0, false, 0, PriResponse.Success).Validate(AllFeatures));
        Assert.Equal(IllegalCommandReason.None, Command.CfgiCd(1, 0, true).Validate(AllFeatures));
        Assert.Equal(IllegalCommandReason.None, Command.TlbiS12Vmall(1).Validate(AllFeatures));
        Assert.Equal(IllegalCommandReason.None, Command.TlbiEl2All().Validate(AllFeatures));
        Assert.Equal(IllegalCommandReason.None, Command.Resume(1, 0, ResumeResponse.Abort).Validate(AllFeatures)); // stall model 0b00
    }

    [Fact]
    public void Format_errors_are_reported_before_feature_errors()
    {
        var tooBig = new Command(0x0000_0001_0000_0040, 53); // ATC_INV size 53 on an SMMU without ATS

        Assert.Equal(IllegalCommandReason.AtcInvSizeTooLarge, tooBig.Validate(NoFeatures));
    }

    [Fact]
    public void Factory_arguments_that_do_not_fit_are_caller_bugs()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Command.AtcInv(1, 0, false, 0, 64, false)); // SIZE is 6 bits
        Assert.Throws<ArgumentOutOfRangeException>(() => Command.AtcInv(1, 0x10_0000, true, 0, 0, false)); // SSID is 20 bits
        Assert.Throws<ArgumentOutOfRangeException>(() => Command.PriResp(1, 0, false, 0x200, PriResponse.Success)); // GRPID is 9 bits
        Assert.Throws<ArgumentOutOfRangeException>(() => Command.PriResp(1, 0, false, 0, (PriResponse)3)); // Reserved (Linux -EINVAL)
        Assert.Throws<ArgumentOutOfRangeException>(() => Command.CfgiSteRange(1, 32)); // RANGE is 5 bits
        Assert.Throws<ArgumentOutOfRangeException>(() => Command.TlbiNhVa(1, 0, false, 0, 32, 0, 0, 1)); // NUM is 5 bits
        Assert.Throws<ArgumentOutOfRangeException>(() => Command.Sync(SyncCs.Irq, 0, 0, 4, 0)); // MSH is 2 bits
    }

    [Fact]
    public void Reading_or_writing_fewer_than_16_bytes_is_a_caller_bug()
    {
        Assert.Throws<ArgumentException>(() => Command.ReadFrom(new byte[15]));
        Assert.Throws<ArgumentException>(() => Command.TlbiNsnhAll().WriteTo(new byte[15]));
    }

    [Fact]
    public void Bytes_are_little_endian()
    {
        byte[] slot = [0x40, 0x58, 0x00, 0x00, 0x12, 0x00, 0x00, 0x00, 0x00, 0x70, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00];

        Command cmd = Command.ReadFrom(slot);

        Assert.Equal(Command.AtcInv(0x12, 5, true, 0x7000, 0, false), cmd); // 0x0000001200005840, 0x7000 read byte-by-byte
    }
}

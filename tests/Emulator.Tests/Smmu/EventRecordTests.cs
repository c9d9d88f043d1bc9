using Emulator.Core.Smmu;

namespace Emulator.Tests.Smmu;

/// <summary>Event records (SMMUv3 §7.3) against words computed by hand. Common layout: ID 7:0, SSV 11,
/// SSID 31:12, SID 63:32; word 1 STAG 15:0, STALL 31, PnU 33, InD 34, RnW 35, S2 39, CLASS 41:40,
/// TT_READ 44; word 2 InputAddr; word 3 IPA 51:12 / FetchAddr 51:3.</summary>
public sealed class EventRecordTests
{
    [Fact]
    public void Event_ids_are_the_architected_numbers()
    {
        // §7.3.2-§7.3.20; Linux EVT_ID_* where it names them.
        Assert.Equal(0x01, (int)EventId.F_UUT);
        Assert.Equal(0x02, (int)EventId.C_BAD_STREAMID); // EVT_ID_BAD_STREAMID_CONFIG
        Assert.Equal(0x03, (int)EventId.F_STE_FETCH); // EVT_ID_STE_FETCH_FAULT
        Assert.Equal(0x04, (int)EventId.C_BAD_STE); // EVT_ID_BAD_STE_CONFIG
        Assert.Equal(0x05, (int)EventId.F_BAD_ATS_TREQ);
        Assert.Equal(0x06, (int)EventId.F_STREAM_DISABLED); // EVT_ID_STREAM_DISABLED_FAULT
        Assert.Equal(0x07, (int)EventId.F_TRANSL_FORBIDDEN);
        Assert.Equal(0x08, (int)EventId.C_BAD_SUBSTREAMID); // EVT_ID_BAD_SUBSTREAMID_CONFIG
        Assert.Equal(0x09, (int)EventId.F_CD_FETCH); // EVT_ID_CD_FETCH_FAULT
        Assert.Equal(0x0A, (int)EventId.C_BAD_CD); // EVT_ID_BAD_CD_CONFIG
        Assert.Equal(0x0B, (int)EventId.F_WALK_EABT);
        Assert.Equal(0x10, (int)EventId.F_TRANSLATION); // EVT_ID_TRANSLATION_FAULT
        Assert.Equal(0x11, (int)EventId.F_ADDR_SIZE); // EVT_ID_ADDR_SIZE_FAULT
        Assert.Equal(0x12, (int)EventId.F_ACCESS); // EVT_ID_ACCESS_FAULT
        Assert.Equal(0x13, (int)EventId.F_PERMISSION); // EVT_ID_PERMISSION_FAULT
        Assert.Equal(0x20, (int)EventId.F_TLB_CONFLICT);
        Assert.Equal(0x21, (int)EventId.F_CFG_CONFLICT);
        Assert.Equal(0x24, (int)EventId.E_PAGE_REQUEST);
        Assert.Equal(0x25, (int)EventId.F_VMS_FETCH); // EVT_ID_VMS_FETCH_FAULT
    }

    [Fact]
    public void A_stage_1_translation_fault_on_a_read()
    {
        var e = EventRecord.TranslationFault(0x12, 5, true, 0x7FFF_DEAD_B000, read: true, privileged: false, instruction: false);

        Assert.Equal(0x0000_0012_0000_5810UL, e.Word0); // 0x10 | SSV 0x800 | ssid 5<<12 | sid 0x12<<32
        Assert.Equal(0x0000_0208_0000_0000UL, e.Word1); // RnW 1<<35 | CLASS IN 2<<40; S2 0, no stall
        Assert.Equal(0x7FFF_DEAD_B000UL, e.Word2); // InputAddr
        Assert.Equal(0UL, e.Word3); // IPA UNKNOWN for a stage 1 fault
    }

    [Fact]
    public void A_write_is_never_an_instruction_fetch()
    {
        // §7.3: "InD == 0 when RnW == 0". Asked for privileged instruction write -> PnU only.
        var e = EventRecord.PermissionFault(3, 0, false, 0x1000, read: false, privileged: true, instruction: true);

        Assert.Equal(0x0000_0003_0000_0013UL, e.Word0); // 0x13 | sid 3<<32
        Assert.Equal(0x0000_0202_0000_0000UL, e.Word1); // PnU 1<<33 | CLASS IN 2<<40
        Assert.False(e.Instruction);
    }

    [Fact]
    public void Access_and_address_size_faults_carry_all_three_attributes()
    {
        var access = EventRecord.AccessFault(1, 0, false, 0x2000, read: true, privileged: true, instruction: true);
        var size = EventRecord.AddressSizeFault(1, 0, false, 0x2000, read: true, privileged: true, instruction: true);

        Assert.Equal(0x0000_0001_0000_0012UL, access.Word0); // 0x12 | sid 1<<32
        Assert.Equal(0x0000_020E_0000_0000UL, access.Word1); // PnU 1<<33 | InD 1<<34 | RnW 1<<35 | CLASS IN 2<<40
        Assert.Equal(0x0000_0001_0000_0011UL, size.Word0); // 0x11
        Assert.Equal(access.Word1, size.Word1); // same attribute layout
    }

    [Fact]
    public void A_walk_external_abort_names_the_descriptor()
    {
        var e = EventRecord.WalkExternalAbort(1, 2, true, 0x4000, read: true, privileged: false, instruction: false, fetchAddress: 0x8765_4328);

        Assert.Equal(0x0000_0001_0000_280BUL, e.Word0); // 0x0b | SSV 0x800 | ssid 2<<12 | sid 1<<32
        Assert.Equal(0x0000_0108_0000_0000UL, e.Word1); // RnW 1<<35 | CLASS TT 1<<40 (stage 1 walk)
        Assert.Equal(0x4000UL, e.Word2);
        Assert.Equal(0x8765_4328UL, e.Word3); // FetchAddr 51:3
    }

    [Fact]
    public void Configuration_errors()
    {
        Assert.Equal(0xFFFF_FFFF_0000_0002UL, EventRecord.BadStreamId(0xFFFF_FFFF, 0, false).Word0); // 0x02 | sid<<32
        Assert.Equal(0x0000_0100_0000_0004UL, EventRecord.BadSte(0x100, 0, false).Word0); // 0x04 | 0x100<<32
        Assert.Equal(0x0000_0010_0000_380AUL, EventRecord.BadCd(0x10, 3, true).Word0); // 0x0a | SSV | 3<<12 | 0x10<<32
        // C_BAD_SUBSTREAMID has no SSV bit: 0x08 | 0xfffff<<12 | 0x10<<32
        Assert.Equal(0x0000_0010_FFFF_F008UL, EventRecord.BadSubstreamId(0x10, 0xFFFFF).Word0);
        Assert.Equal(0x0000_0033_0000_0006UL, EventRecord.StreamDisabled(0x33).Word0); // 0x06 | sid only
        var bad = EventRecord.BadSte(0x100, 0, false);
        Assert.Equal(0UL, bad.Word1 | bad.Word2 | bad.Word3); // everything else RES0
    }

    [Fact]
    public void Fetch_aborts_and_ats_events()
    {
        var ste = EventRecord.SteFetch(7, 0, false, 0x8000_01C0);
        Assert.Equal(0x0000_0007_0000_0003UL, ste.Word0); // 0x03 | 7<<32
        Assert.Equal(0x8000_01C0UL, ste.Word3); // the STE's address

        var cd = EventRecord.CdFetch(7, 1, true, 0x9000_0047);
        Assert.Equal(0x0000_0007_0000_1809UL, cd.Word0); // 0x09 | SSV | 1<<12 | 7<<32
        Assert.Equal(0x9000_0040UL, cd.Word3); // FetchAddr 51:3: the low three bits are not address

        var treq = EventRecord.BadAtsTranslationRequest(0x20, 4, true, 0x7000_1234);
        Assert.Equal(0x0000_0020_0000_4805UL, treq.Word0); // 0x05 | SSV | 4<<12 | 0x20<<32
        Assert.Equal(0x7000_1000UL, treq.Word2); // InputAddr[63:12]

        var forbidden = EventRecord.TranslationForbidden(0x33, 0xABC0_0000, read: true);
        Assert.Equal(0x0000_0033_0000_0007UL, forbidden.Word0); // 0x07 | sid only
        Assert.Equal(0x0000_0008_0000_0000UL, forbidden.Word1); // RnW 1<<35
        Assert.Equal(0xABC0_0000UL, forbidden.Word2);
    }

    [Fact]
    public void Event_fields_read_back_from_raw_words()
    {
        // As Linux would dump it: 0x10 | SSV | ssid 2<<12 | sid 1<<32;
        // word 1: STAG 0xbeef | STALL 1<<31 | RnW 1<<35 | S2 1<<39 | CLASS IN 2<<40 | TT_READ 1<<44
        var e = new EventRecord(0x0000_0001_0000_2810, 0x0000_1288_8000_BEEF, 0xFFFF_0000_1234_5678, 0x0000_0001_2345_6000);

        Assert.Equal(EventId.F_TRANSLATION, e.Id);
        Assert.True(e.SubstreamValid);
        Assert.Equal(2u, e.SubstreamId);
        Assert.Equal(1u, e.StreamId);
        Assert.Equal((ushort)0xBEEF, e.Stag);
        Assert.True(e.Stall);
        Assert.True(e.Read);
        Assert.False(e.Privileged);
        Assert.False(e.Instruction);
        Assert.True(e.Stage2);
        Assert.Equal(FaultClass.Input, e.Class);
        Assert.True(e.TableRead);
        Assert.Equal(0xFFFF_0000_1234_5678UL, e.InputAddress);
        Assert.Equal(0x1_2345_6000UL, e.Ipa); // word 3 bits 51:12
    }

    [Fact]
    public void Event_survives_a_trip_through_memory()
    {
        var e = EventRecord.WalkExternalAbort(1, 2, true, 0x4000, true, false, false, 0x8765_4328);
        var bytes = new byte[EventRecord.Size];

        e.WriteTo(bytes);

        Assert.Equal(e, EventRecord.ReadFrom(bytes));
        Assert.Equal(0x0B, bytes[0]); // event number in byte 0
        Assert.Equal(0x01, bytes[4]); // StreamID low byte at bit 32
        Assert.Equal(0x28, bytes[24]); // word 3 at byte 24
        Assert.Throws<ArgumentException>(() => EventRecord.ReadFrom(new byte[31]));
    }
}

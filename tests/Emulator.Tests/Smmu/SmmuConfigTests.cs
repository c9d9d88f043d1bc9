using Emulator.Core.Pcie;
using Emulator.Core.Smmu;
using R = Emulator.Core.Smmu.SmmuRegisters;

namespace Emulator.Tests.Smmu;

/// <summary>STE and CD lookup (linear and 2-level), every configuration fault with its exact event
/// record, and the configuration cache's staleness until CMD_CFGI_*.</summary>
public sealed class SmmuConfigTests
{
    private const uint Pasid = 5;

    [Fact]
    public void Linear_stream_table_and_linear_cd_table_translate()
    {
        var rig = new SmmuRig();
        var (mm, va) = rig.BindProcess(Pasid);
        var c = rig.Translate(Pasid, va);
        Assert.Equal(AtsStatus.Success, c.Status);
        Assert.Equal(rig.CpuPa(mm, va), c.Pa);   // walked through STE 3 → CD 5 → the process's tables
        Assert.Empty(rig.DrainEvents());
    }

    [Fact]
    public void Two_level_stream_table_is_indexed_by_split()
    {
        var rig = new SmmuRig(enable: false);
        rig.Enable();
        rig.Write32(R.Cr0, 0);
        // SPLIT 6, LOG2SIZE 8: four L1STDs; SID 0x43 → L1 index 1, STE 3 of its level-2 array.
        rig.Write32(R.StrtabBaseCfg, StrtabBaseCfg.Create(StreamTableFormat.TwoLevel, 6, 8).Raw);
        ulong l2 = rig.AllocFrame();
        Assert.True(rig.Memory.TryWriteU64(rig.StrtabPa + 8, StreamTableDescriptor.Create(l2, span: 7).Raw));
        rig.Write32(R.Cr0, Cr0.SmmuEnBit | Cr0.CmdqEnBit | Cr0.EventqEnBit);
        var (mm, va) = rig.BindProcess(Pasid);          // also writes a (now unused) STE into the L1 frame
        rig.WriteSte(3, SmmuRig.SvaSte(rig.CdTablePa), tablePa: l2);

        var c = rig.Translate(Pasid, va, sid: 0x43);
        Assert.Equal(AtsStatus.Success, c.Status);
        Assert.Equal(rig.CpuPa(mm, va), c.Pa);

        // L1 index 2 has Span 0: C_BAD_STREAMID. Word 0 = 0x02 | SSV<<11 | 5<<12 | 0x80<<32.
        Assert.Equal(AtsStatus.CompleterAbort, rig.Translate(Pasid, va, sid: 0x80).Status);
        var e = Assert.Single(rig.DrainEvents());
        Assert.Equal(new EventRecord(0x0000_0080_0000_5802UL, 0, 0, 0), e);
    }

    [Fact]
    public void Two_level_cd_table_with_4k_leaves()
    {
        var rig = new SmmuRig();
        var (mm, va) = rig.BindProcess(Pasid);
        ulong l1 = rig.AllocFrame();
        ulong leaf = rig.AllocFrame();
        const uint pasid = 0x85;                            // L1 index 2, CD 5 of the leaf
        Assert.True(rig.Memory.TryWriteU64(l1 + 2 * 8, CdTableDescriptor.Create(leaf).Raw));
        rig.WriteCd(5, ContextDescriptor.Sva(SmmuRig.Asid, mm.RootPa, 16), tablePa: leaf);
        rig.WriteSte(SmmuRig.Sid, SmmuRig.SvaSte(l1, cdMax: 12, fmt: CdTableFormat.TwoLevel4K));

        var c = rig.Translate(pasid, va);
        Assert.Equal(AtsStatus.Success, c.Status);
        Assert.Equal(rig.CpuPa(mm, va), c.Pa);

        // PASID 0x45: L1 index 1 is invalid → C_BAD_SUBSTREAMID (no SSV bit in this record).
        Assert.Equal(AtsStatus.CompleterAbort, rig.Translate(0x45, va).Status);
        Assert.Equal(EventRecord.BadSubstreamId(SmmuRig.Sid, 0x45), Assert.Single(rig.DrainEvents()));
    }

    [Fact]
    public void Stream_id_out_of_range_is_c_bad_streamid_only_with_recinvsid()
    {
        var rig = new SmmuRig();
        var (_, va) = rig.BindProcess(Pasid);
        Assert.Equal(AtsStatus.CompleterAbort, rig.Translate(Pasid, va, sid: 64).Status);   // table has 2^6 STEs
        Assert.Equal(new EventRecord(0x0000_0040_0000_5802UL, 0, 0, 0), Assert.Single(rig.DrainEvents()));

        rig.Write32(R.Cr2, 0);
        Assert.Equal(AtsStatus.UnsupportedRequest, rig.Translate(Pasid, va, sid: 64).Status); // silent abort
        Assert.Empty(rig.DrainEvents());
    }

    [Fact]
    public void Invalid_ste_is_c_bad_ste()
    {
        var rig = new SmmuRig();
        var (_, va) = rig.BindProcess(Pasid);
        rig.WriteSte(SmmuRig.Sid, StreamTableEntry.Invalid);
        Assert.Equal(AtsStatus.CompleterAbort, rig.Translate(Pasid, va).Status);
        // 0x04 | SSV | SSID 5 | SID 3
        Assert.Equal(new EventRecord(0x0000_0003_0000_5804UL, 0, 0, 0), Assert.Single(rig.DrainEvents()));
    }

    [Fact]
    public void Ste_fetch_outside_ram_is_f_ste_fetch_with_the_address()
    {
        var rig = new SmmuRig();
        rig.Write32(R.Cr0, 0);
        rig.Write64(R.StrtabBase, StrtabBase.Create(1UL << 30).Raw);
        rig.Write32(R.Cr0, Cr0.SmmuEnBit | Cr0.CmdqEnBit | Cr0.EventqEnBit);
        Assert.Equal(AtsStatus.CompleterAbort, rig.Translate(Pasid, 0x1000).Status);
        // STE 3 at 1 GiB + 3 × 64 = 0x4000_00C0 in FetchAddr (word 3).
        Assert.Equal(new EventRecord(0x0000_0003_0000_5803UL, 0, 0, 0x4000_00C0UL), Assert.Single(rig.DrainEvents()));
    }

    [Fact]
    public void Substream_beyond_s1cdmax_is_c_bad_substreamid()
    {
        var rig = new SmmuRig();
        var (_, va) = rig.BindProcess(Pasid);
        Assert.Equal(AtsStatus.CompleterAbort, rig.Translate(64, va).Status);   // 2^6 CDs
        Assert.Equal(new EventRecord(0x0000_0003_0004_0008UL, 0, 0, 0), Assert.Single(rig.DrainEvents()));
    }

    [Fact]
    public void Invalid_cd_is_c_bad_cd_and_cd_fetch_outside_ram_is_f_cd_fetch()
    {
        var rig = new SmmuRig();
        var (_, va) = rig.BindProcess(Pasid);
        Assert.Equal(AtsStatus.CompleterAbort, rig.Translate(6, va).Status);    // CD 6 never written: V 0
        Assert.Equal(new EventRecord(0x0000_0003_0000_680AUL, 0, 0, 0), Assert.Single(rig.DrainEvents()));

        rig.WriteSte(4, SmmuRig.SvaSte(1UL << 30));
        Assert.Equal(AtsStatus.CompleterAbort, rig.Translate(Pasid, va, sid: 4).Status);
        // CD 5 of a table at 1 GiB: 0x4000_0140
        Assert.Equal(new EventRecord(0x0000_0004_0000_5809UL, 0, 0, 0x4000_0140UL), Assert.Single(rig.DrainEvents()));
    }

    [Fact]
    public void Ats_on_a_stream_without_eats_is_ur_with_f_bad_ats_treq()
    {
        var rig = new SmmuRig();
        var (_, va) = rig.BindProcess(Pasid);
        rig.WriteSte(SmmuRig.Sid, SmmuRig.SvaSte(rig.CdTablePa, eats: AtsMode.Abort));
        Assert.Equal(AtsStatus.UnsupportedRequest, rig.Translate(Pasid, va + 0x123).Status);
        Assert.Equal(EventRecord.BadAtsTranslationRequest(SmmuRig.Sid, Pasid, true, va), Assert.Single(rig.DrainEvents()));
    }

    [Fact]
    public void Abort_and_bypass_streams_refuse_ats()
    {
        var rig = new SmmuRig();
        rig.WriteSte(1, StreamTableEntry.Abort());
        rig.WriteSte(2, StreamTableEntry.Bypass());
        Assert.Equal(AtsStatus.UnsupportedRequest, rig.Translate(Pasid, 0x1000, sid: 1).Status);
        Assert.Empty(rig.DrainEvents());                                          // abort: silently
        Assert.Equal(AtsStatus.UnsupportedRequest, rig.Translate(Pasid, 0x1000, sid: 2).Status);
        Assert.Equal(EventId.F_BAD_ATS_TREQ, Assert.Single(rig.DrainEvents()).Id); // bypass: EATS behaves as 0
    }

    [Fact]
    public void A_cached_ste_stays_in_use_until_cfgi_ste()
    {
        var rig = new SmmuRig();
        var (_, va) = rig.BindProcess(Pasid);
        Assert.Equal(AtsStatus.Success, rig.Translate(Pasid, va).Status);   // STE now cached

        rig.WriteSte(SmmuRig.Sid, StreamTableEntry.Invalid);                 // the driver forgets CMD_CFGI_STE
        Assert.Equal(AtsStatus.Success, rig.Translate(Pasid, va).Status);   // stale: the old STE still translates
        Assert.Empty(rig.DrainEvents());

        rig.Submit(Command.CfgiSte(SmmuRig.Sid, leaf: true), Command.Sync(SyncCs.None, 0, 0));
        Assert.Equal(AtsStatus.CompleterAbort, rig.Translate(Pasid, va).Status);   // fresh: V 0 seen
        Assert.Equal(EventId.C_BAD_STE, Assert.Single(rig.DrainEvents()).Id);
    }

    [Fact]
    public void Cfgi_ste_range_and_cfgi_all_cover_their_stream_ids()
    {
        var rig = new SmmuRig();
        var (_, va) = rig.BindProcess(Pasid);
        Assert.Equal(AtsStatus.Success, rig.Translate(Pasid, va).Status);
        rig.WriteSte(SmmuRig.Sid, StreamTableEntry.Invalid);

        rig.Submit(Command.CfgiSteRange(4, range: 0));                       // SIDs 4–5: not 3
        Assert.Equal(AtsStatus.Success, rig.Translate(Pasid, va).Status);
        rig.Submit(Command.CfgiAll());
        Assert.Equal(AtsStatus.CompleterAbort, rig.Translate(Pasid, va).Status);
    }

    [Fact]
    public void A_cached_cd_stays_in_use_until_cfgi_cd()
    {
        var rig = new SmmuRig();
        var (_, va) = rig.BindProcess(Pasid);
        Assert.Equal(AtsStatus.Success, rig.Translate(Pasid, va).Status);   // CD 5 cached

        rig.WriteCd(Pasid, ContextDescriptor.Invalid);
        // A page not in the IOTLB: the walk itself uses the stale CD's TTB0.
        Assert.Equal(AtsStatus.Success, rig.Translate(Pasid, va + 0x1000).Status);

        rig.Submit(Command.CfgiCd(SmmuRig.Sid, 6, leaf: true));             // another CD: no effect
        Assert.Equal(AtsStatus.Success, rig.Translate(Pasid, va + 0x2000).Status);
        rig.Submit(Command.CfgiCd(SmmuRig.Sid, Pasid, leaf: true));
        Assert.Equal(AtsStatus.CompleterAbort, rig.Translate(Pasid, va).Status);
        Assert.Equal(EventId.C_BAD_CD, Assert.Single(rig.DrainEvents()).Id);
    }

    [Fact]
    public void Cfgi_cd_all_drops_every_cd_of_the_stream()
    {
        var rig = new SmmuRig();
        var (_, va) = rig.BindProcess(Pasid);
        Assert.Equal(AtsStatus.Success, rig.Translate(Pasid, va).Status);
        long fetches = rig.Smmu.ConfigFetches;
        Assert.Equal(AtsStatus.Success, rig.Translate(Pasid, va).Status);
        Assert.Equal(fetches, rig.Smmu.ConfigFetches);                       // served from the cache
        rig.Submit(Command.CfgiCdAll(SmmuRig.Sid));
        Assert.Equal(AtsStatus.Success, rig.Translate(Pasid, va).Status);
        Assert.Equal(fetches + 1, rig.Smmu.ConfigFetches);                   // the CD was read again, the STE was not
    }
}

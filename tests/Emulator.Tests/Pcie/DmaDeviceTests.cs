using Emulator.Core;
using Emulator.Core.Memory;
using Emulator.Core.Mm;
using Emulator.Core.Pcie;
using Emulator.Core.Smmu;
using Emulator.Tests.Support;

namespace Emulator.Tests.Pcie;

/// <summary>The DMA endpoint end to end through the SMMU: ATC fills and hits, PRI with the host's fault
/// handler, the DMA faults, and ATC invalidation through CMD_ATC_INV with the sim backend.</summary>
public sealed class DmaDeviceTests
{
    private const uint Pasid = 5;

    private static AddressSpace BindTouched(DmaRig rig, int pages, out ulong va)
    {
        var mm = rig.BindProcess(Pasid);
        va = TestMachines.MapTouched(mm, pages);
        return mm;
    }

    [Fact]
    public void A_dma_read_sees_cpu_written_data_and_the_second_read_hits_the_atc()
    {
        var rig = new DmaRig();
        var mm = BindTouched(rig, 2, out ulong va);
        Assert.Equal(Errno.Ok, mm.WriteUser(va + 0xFFE, [1, 2, 3, 4], out _));   // straddles the two pages

        var buf = new byte[4];
        Assert.Equal(DmaResult.Ok(4), rig.Device.Read(Pasid, va + 0xFFE, buf));
        Assert.Equal(new byte[] { 1, 2, 3, 4 }, buf);                               // the CPU's bytes, across the page boundary
        Assert.Equal(2, rig.Device.TranslationsRequested);                         // one ATS request per page
        Assert.Equal(2, rig.Device.Atc.Count);

        Assert.True(rig.Device.Read(Pasid, va + 0xFFE, buf).IsOk);
        Assert.Equal(2, rig.Device.TranslationsRequested);                         // no new request: both pages hit
        Assert.Equal(2, rig.Device.AtcHits);
        Assert.Equal(0, rig.Oracle.Stale);
        Assert.Equal(4, rig.Oracle.Checked);                                        // every page access was shown to the oracle
    }

    [Fact]
    public void A_dma_write_lands_in_memory_and_the_cpu_reads_it()
    {
        var rig = new DmaRig();
        var mm = BindTouched(rig, 1, out ulong va);

        Assert.Equal(DmaResult.Ok(3), rig.Device.Write(Pasid, va + 0x10, new byte[] { 0xAA, 0xBB, 0xCC }));

        var cpu = new byte[3];
        Assert.Equal(Errno.Ok, mm.ReadUser(va + 0x10, cpu, out _));
        Assert.Equal(new byte[] { 0xAA, 0xBB, 0xCC }, cpu);
        Assert.True(rig.Device.Atc.Lookup(Pasid, va, AtsPermissions.Write, out _, out _));   // cached with W
    }

    [Fact]
    public void A_dma_write_to_a_read_only_page_asks_pri_and_faults_when_the_host_refuses()
    {
        var rig = new DmaRig();
        var mm = BindTouched(rig, 1, out ulong va);
        Assert.Equal(Errno.Ok, mm.Mprotect(va, Page.Size, Protection.Read));
        rig.ServePriWithFaults(mm);                                   // handle_mm_fault: ACCERR → Invalid Request

        var r = rig.Device.Write(Pasid, va + 8, new byte[] { 9 });

        Assert.Equal(DmaResult.Fault(va + 8, DmaFaultReason.PriInvalid, 0), r);
        var request = Assert.Single(rig.PageRequests);
        Assert.Equal(va, request.Address);                            // the page, with W asked for
        Assert.True(request.Write);
        Assert.Equal(1, rig.Device.Faults);
        Assert.True(rig.Device.PriEnabled);                           // Invalid Request does not stop PRI
        var buf = new byte[1];
        Assert.True(rig.Device.Read(Pasid, va, buf).IsOk);            // reads still work
        Assert.Equal(1, buf[0]);
    }

    [Fact]
    public void A_host_that_answers_success_without_making_the_page_writable_ends_in_no_translation_after_max_retries()
    {
        var rig = new DmaRig(new DmaDeviceOptions { MaxPriRetries = 3 });
        var mm = BindTouched(rig, 1, out ulong va);
        Assert.Equal(Errno.Ok, mm.Mprotect(va, Page.Size, Protection.Read));
        rig.ServePri(_ => PriResponse.Success);

        var r = rig.Device.Write(Pasid, va, new byte[] { 9 });

        Assert.Equal(DmaFaultReason.NoTranslation, r.Reason);
        Assert.Equal(3, rig.PageRequests.Count);                      // bounded: the device does not hang
        Assert.Equal(4, rig.Device.TranslationsRequested);            // the first request and one retry per PRG
        Assert.Equal(new ushort[] { 0, 1, 2 }, rig.PageRequests.ConvertAll(p => p.GroupIndex).ToArray()); // group index rotates
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_not_present_page_is_faulted_in_through_pri_and_the_dma_succeeds(bool write)
    {
        var rig = new DmaRig();
        var mm = rig.BindProcess(Pasid);
        Assert.Equal(Errno.Ok, mm.Mmap(0, 2 * Page.Size, Protection.ReadWrite, MapFlags.Private | MapFlags.Anonymous, out ulong va));
        rig.ServePriWithFaults(mm);

        var data = new byte[] { 7, 8 };
        var r = write ? rig.Device.Write(Pasid, va + Page.Size - 1, data) : rig.Device.Read(Pasid, va + Page.Size - 1, data);

        Assert.Equal(DmaResult.Ok(2), r);
        Assert.Equal(2, rig.PageRequests.Count);                      // one page request per untouched page
        Assert.All(rig.PageRequests, p => Assert.Equal(write, p.Write));
        var cpu = new byte[2];
        Assert.Equal(Errno.Ok, mm.ReadUser(va + Page.Size - 1, cpu, out _));
        Assert.Equal(write ? new byte[] { 7, 8 } : new byte[2], cpu); // written bytes, or the zero-filled pages read
        if (!write)
        {
            Assert.Equal(new byte[2], data);
        }
    }

    [Fact]
    public void Without_pri_a_not_present_page_is_a_dma_fault_with_no_page_request()
    {
        var rig = new DmaRig(new DmaDeviceOptions { PriEnabled = false });
        var mm = BindTouched(rig, 1, out ulong va);
        Assert.Equal(Errno.Ok, mm.Mmap(0, Page.Size, Protection.ReadWrite, MapFlags.Private | MapFlags.Anonymous, out ulong lazy));
        rig.ServePriWithFaults(mm);

        var buf = new byte[8];
        var r = rig.Device.Read(Pasid, lazy + 4, buf);

        Assert.Equal(DmaResult.Fault(lazy + 4, DmaFaultReason.NoTranslation, 0), r);
        Assert.Empty(rig.PageRequests);
        Assert.Equal(0, rig.Device.PriRequests);
        Assert.True(rig.Device.Read(Pasid, va, buf).IsOk);            // the resident page still works
    }

    [Fact]
    public void A_fault_part_way_reports_the_bytes_before_the_faulting_page()
    {
        var rig = new DmaRig(new DmaDeviceOptions { PriEnabled = false });
        var mm = BindTouched(rig, 2, out ulong va);
        Assert.Equal(Errno.Ok, mm.Munmap(va + Page.Size, Page.Size));

        var r = rig.Device.Write(Pasid, va + Page.Size - 4, new byte[8]);

        Assert.Equal(DmaResult.Fault(va + Page.Size, DmaFaultReason.NoTranslation, 4), r);
    }

    [Fact]
    public void An_unanswered_page_request_is_response_failure_and_stops_pri()
    {
        var rig = new DmaRig();
        var mm = rig.BindProcess(Pasid);
        Assert.Equal(Errno.Ok, mm.Mmap(0, Page.Size, Protection.ReadWrite, MapFlags.Private | MapFlags.Anonymous, out ulong va));
        rig.ServePri(_ => null);

        Assert.Equal(DmaFaultReason.PriFailure, rig.Device.Read(Pasid, va, new byte[1]).Reason);
        Assert.False(rig.Device.PriEnabled);
        Assert.Equal(DmaFaultReason.NoTranslation, rig.Device.Read(Pasid, va, new byte[1]).Reason);   // no PRI any more
        Assert.Single(rig.PageRequests);
    }

    [Fact]
    public void A_stream_without_ats_answers_ur_and_the_device_stops_using_ats()
    {
        var rig = new DmaRig();
        var mm = BindTouched(rig, 1, out ulong va);
        Span<byte> raw = stackalloc byte[StreamTableEntry.Size];
        Smmu.SmmuRig.SvaSte(rig.CdTablePa, eats: AtsMode.Abort).WriteTo(raw);   // EATS = 0
        Assert.True(rig.Memory.TryWrite(rig.StrtabPa + DmaRig.Sid * (ulong)StreamTableEntry.Size, raw));

        Assert.Equal(DmaFaultReason.AtsUnsupported, rig.Device.Read(Pasid, va, new byte[1]).Reason);
        Assert.False(rig.Device.AtsEnabled);
        Assert.Equal(DmaFaultReason.AtsUnsupported, rig.Device.Read(Pasid, va, new byte[1]).Reason);
        Assert.Equal(1, rig.Device.TranslationsRequested);            // no further requests once ATS is off
    }

    [Fact]
    public void A_pasid_beyond_the_capability_is_a_fault()
    {
        var rig = new DmaRig(new DmaDeviceOptions { PasidBits = 2 });
        BindTouched(rig, 1, out ulong va);
        Assert.Equal(DmaFaultReason.InvalidPasid, rig.Device.Read(Pasid, va, new byte[1]).Reason);   // 5 ≥ 2^2
        Assert.Equal(0, rig.Device.TranslationsRequested);
    }

    [Fact]
    public void Cmd_atc_inv_through_the_smmu_and_the_sim_backend_empties_the_device_atc_for_the_range()
    {
        var rig = new DmaRig();
        BindTouched(rig, 4, out ulong va);
        Assert.True(rig.Device.Read(Pasid, va, new byte[4 * Page.Size]).IsOk);
        Assert.Equal(4, rig.Device.Atc.Count);

        rig.Submit(Command.AtcInvRange(DmaRig.Sid, Pasid, true, va, va + 2 * Page.Size), Command.Sync(SyncCs.None, 0, 0));

        Assert.False(rig.Device.Atc.Contains(Pasid, va));             // the two pages of the range are gone
        Assert.False(rig.Device.Atc.Contains(Pasid, va + Page.Size));
        Assert.True(rig.Device.Atc.Contains(Pasid, va + 2 * Page.Size)); // the rest stay
        Assert.Equal(CommandError.None, rig.CmdqCons.Error);          // the sync completed
        Assert.Equal(1, rig.Backend.Invalidations);
        Assert.Equal(1, rig.Backend.Syncs);
        Assert.Equal(1, rig.Device.InvalidationsReceived);
        var dump = new List<AtcEntry>();
        Assert.True(rig.Backend.TryDump(DmaRig.Sid, dump));
        Assert.Equal(2, dump.Count);
    }

    [Fact]
    public void A_sim_backend_that_never_completes_makes_cmd_sync_fail_with_atc_inv_sync()
    {
        var rig = new DmaRig();
        rig.Backend.NeverComplete = true;
        rig.Submit(Command.AtcInvAll(DmaRig.Sid, Pasid, true), Command.Sync(SyncCs.None, 0, 0));
        Assert.Equal(CommandError.AtcInvSync, rig.CmdqCons.Error);
        Assert.Equal(1, rig.Backend.SyncTimeouts);
    }

    [Fact]
    public void Delayed_completions_hold_the_invalidation_until_delivered()
    {
        var rig = new DmaRig();
        BindTouched(rig, 1, out ulong va);
        Assert.True(rig.Device.Read(Pasid, va, new byte[1]).IsOk);
        rig.Backend.DelayCompletions = true;

        rig.Submit(Command.AtcInvAll(DmaRig.Sid, Pasid, true), Command.Sync(SyncCs.None, 0, 0));
        Assert.Equal(CommandError.AtcInvSync, rig.CmdqCons.Error);    // not complete: the SYNC fails
        Assert.True(rig.Device.Atc.Contains(Pasid, va));              // and the entry is still there

        Assert.Equal(1, rig.Backend.DeliverDelayed());
        Assert.False(rig.Device.Atc.Contains(Pasid, va));
    }

    [Fact]
    public void An_invalidation_for_an_unknown_sid_is_counted_and_dropped()
    {
        var rig = new DmaRig();
        rig.Backend.Invalidate(new AtcInvalidation(DmaRig.Sid + 1, Pasid, false, 0, 12));
        Assert.Equal(1, rig.Backend.UnroutedInvalidations);
        Assert.Equal(0, rig.Device.InvalidationsReceived);
        Assert.False(rig.Backend.TryDump(DmaRig.Sid + 1, []));
    }

    [Fact]
    public void The_device_answers_an_invalidate_request_with_its_itag()
    {
        var rig = new DmaRig();
        BindTouched(rig, 1, out ulong va);
        Assert.True(rig.Device.Read(Pasid, va, new byte[1]).IsOk);

        var completion = rig.Device.InvalidateAtc(new AtcInvalidation(DmaRig.Sid, Pasid, false, va, 12), itag: 7);

        Assert.Equal(new AtsInvalidateCompletion(DmaRig.Sid, 1u << 7, 1, 1), completion);
        Assert.Throws<ArgumentException>(() => rig.Device.InvalidateAtc(new AtcInvalidation(DmaRig.Sid + 1, Pasid, false, va, 12)));
    }
}

using Emulator.Core;
using Emulator.Core.Iommu;
using Emulator.Core.Pcie;
using Emulator.Core.Smmu;
using R = Emulator.Core.Smmu.SmmuRegisters;

namespace Emulator.Tests.Iommu;

/// <summary>InvalidateRange: the commands Linux would send, batched and waited on; fault injection; errors.</summary>
public sealed class SmmuDriverInvalidateTests
{
    private static DriverRig Attached(SmmuDriverOptions? options = null)
    {
        var rig = new DriverRig(options);
        Assert.Equal(Errno.Ok, rig.Driver.AttachDevice(DriverRig.Sid, 20, ats: true, pri: true));
        rig.Backend.Invalidations.Clear();
        return rig;
    }

    [Fact]
    public void One_page_is_one_tlbi_nh_va_one_atc_inv_and_one_sync()
    {
        var rig = Attached();
        long before = rig.Driver.Stats.TotalCommands;
        const ulong va = 0x7000_1000;

        rig.Driver.InvalidateRange(7, DriverRig.Target, va, va + 4096);

        Assert.Equal(3, rig.Driver.Stats.TotalCommands - before);        // exactly three commands
        string[] sent = rig.Driver.RecentCommands(3);
        Assert.Equal("CMD_TLBI_NH_VA vmid=0 asid=7 va=70001000 leaf=False", sent[0]); // leaf 0, as Linux SVA
        Assert.Equal("CMD_ATC_INV sid=42 ssid=64 addr=70001000 size=0", sent[1]);   // one page, PASID 100
        Assert.StartsWith("CMD_SYNC", sent[2]);
        var inv = Assert.Single(rig.Backend.Invalidations);             // the ATC invalidation reached the device
        Assert.Equal(new AtcInvalidation(DriverRig.Sid, DriverRig.Pasid, false, va, 12), inv);
        Assert.Equal(rig.Reg32(R.CmdqProd), rig.Reg32(R.CmdqCons));      // the SYNC was consumed before return
    }

    [Fact]
    public void Three_pages_straddling_a_2m_boundary_get_linux_s_aligned_4m_atc_span()
    {
        var rig = Attached();
        const ulong start = 0x401F_F000;                                 // pages 0x401ff..0x40201

        rig.Driver.InvalidateRange(7, DriverRig.Target, start, start + 3 * 4096);

        Assert.Equal(3, rig.Driver.Stats.Commands(CommandOpcode.TlbiNhVa));
        var inv = Assert.Single(rig.Backend.Invalidations);
        Assert.Equal(0x4000_0000UL, inv.Address);                        // fls(0x1ff ^ 0x201) = 10: 1024 pages from 0x40000
        Assert.Equal(22, inv.SizeLog2);                                  // 4 MiB
    }

    [Fact]
    public void From_512_pages_one_asid_wide_tlbi_and_a_whole_atc_invalidation()
    {
        var rig = Attached();
        long before = rig.Driver.Stats.TotalCommands;

        rig.Driver.InvalidateRange(7, DriverRig.Target, 0x1_0000_0000, 0x1_0000_0000 + 512 * 4096UL);

        Assert.Equal(3, rig.Driver.Stats.TotalCommands - before);
        Assert.Equal(0, rig.Driver.Stats.Commands(CommandOpcode.TlbiNhVa));
        Assert.Equal(1, rig.Driver.Stats.Commands(CommandOpcode.TlbiNhAsid));
        Assert.True(Assert.Single(rig.Backend.Invalidations).IsWholeSpace); // ATC_INV SIZE 52
        Assert.Equal("CMD_ATC_INV sid=42 ssid=64 addr=0 size=52", rig.Driver.RecentCommands(2)[0]);
    }

    [Fact]
    public void A_1g_munmap_of_one_bound_device_issues_at_most_4_commands_with_the_sync()
    {
        var rig = Attached();
        long before = rig.Driver.Stats.TotalCommands;
        long executed = rig.Device.TotalCommandCount;

        rig.Driver.InvalidateRange(7, DriverRig.Target, 0x4000_0000, 0x8000_0000);

        Assert.True(rig.Driver.Stats.TotalCommands - before <= 4);       // the issue's munmap-1g-bound budget
        Assert.Equal(rig.Driver.Stats.TotalCommands - before, rig.Device.TotalCommandCount - executed);
    }

    [Fact]
    public void With_a_sync_between_tlbi_and_atc_it_is_still_4_commands_for_1g()
    {
        var rig = Attached(new SmmuDriverOptions { SyncBetweenTlbiAndAtc = true });
        long before = rig.Driver.Stats.TotalCommands;
        rig.Driver.InvalidateRange(7, DriverRig.Target, 0x4000_0000, 0x8000_0000);
        Assert.Equal(4, rig.Driver.Stats.TotalCommands - before);        // TLBI_NH_ASID, SYNC, ATC_INV, SYNC
        Assert.Equal(2, rig.Driver.Stats.Commands(CommandOpcode.Sync) - 2 - 1); // minus Init's two and attach's one
    }

    [Fact]
    public void Commands_are_batched_64_at_a_time_with_one_closing_sync()
    {
        var rig = Attached();
        long batches = rig.Driver.Stats.Batches, syncs = rig.Driver.Stats.SyncsWaited;

        rig.Driver.InvalidateRange(7, DriverRig.Target, 0x10_0000, 0x10_0000 + 100 * 4096UL);

        Assert.Equal(100, rig.Driver.Stats.Commands(CommandOpcode.TlbiNhVa));
        Assert.Equal(2, rig.Driver.Stats.Batches - batches);             // 64, then 36 TLBIs + ATC_INV + SYNC
        Assert.Equal(1, rig.Driver.Stats.SyncsWaited - syncs);           // the first batch carries no SYNC
        Assert.Equal(100, rig.Executed(CommandOpcode.TlbiNhVa));
    }

    [Fact]
    public void Devices_without_ats_get_no_atc_invalidation()
    {
        var rig = new DriverRig();
        Assert.Equal(Errno.Ok, rig.Driver.AttachDevice(DriverRig.Sid, 20, ats: false, pri: false));
        rig.Driver.InvalidateRange(7, DriverRig.Target, 0x1000, 0x2000);
        Assert.Equal(0, rig.Driver.Stats.Commands(CommandOpcode.AtcInv));
        Assert.Empty(rig.Backend.Invalidations);
    }

    [Fact]
    public void InvalidateAll_is_tlbi_nh_asid_and_atc_inv_all()
    {
        var rig = Attached();
        rig.Driver.InvalidateAll(9, DriverRig.Target);
        string[] sent = rig.Driver.RecentCommands(3);
        Assert.Equal("CMD_TLBI_NH_ASID vmid=0 asid=9", sent[0]);
        Assert.Equal("CMD_ATC_INV sid=42 ssid=64 addr=0 size=52", sent[1]);
        Assert.StartsWith("CMD_SYNC", sent[2]);
    }

    [Theory]
    [InlineData(FaultInjection.SkipAtcInv, CommandOpcode.AtcInv)]
    [InlineData(FaultInjection.SkipTlbi, CommandOpcode.TlbiNhVa)]
    public void Each_skip_switch_suppresses_exactly_its_commands(FaultInjection fault, CommandOpcode suppressed)
    {
        var rig = Attached();
        rig.Driver.Faults = fault;

        rig.Driver.InvalidateRange(7, DriverRig.Target, 0x5000, 0x7000);

        Assert.Equal(0, rig.Driver.Stats.Commands(suppressed));          // the named step is gone
        CommandOpcode kept = suppressed == CommandOpcode.AtcInv ? CommandOpcode.TlbiNhVa : CommandOpcode.AtcInv;
        Assert.True(rig.Driver.Stats.Commands(kept) > 0);               // the other one still happens
        Assert.Equal(4, rig.Driver.Stats.Commands(CommandOpcode.Sync));  // Init 2 + attach 1 + this 1: still waited
    }

    [Fact]
    public void Skip_tlbi_also_suppresses_the_asid_wide_tlbi()
    {
        var rig = Attached();
        rig.Driver.Faults = FaultInjection.SkipTlbi;
        rig.Driver.InvalidateAll(7, DriverRig.Target);
        Assert.Equal(0, rig.Driver.Stats.Commands(CommandOpcode.TlbiNhAsid));
        Assert.Equal(1, rig.Driver.Stats.Commands(CommandOpcode.AtcInv));
    }

    [Fact]
    public void Skip_cfgi_writes_the_cd_but_leaves_the_smmu_s_cached_copy_stale()
    {
        var rig = new DriverRig();
        var (mm, va, asid) = rig.Bind();
        Assert.Equal(AtsStatus.Success, rig.Device.Translate(DriverRig.Sid, DriverRig.Pasid, va, AtsPermissions.Read).Status); // CD now cached
        long cfgiCd = rig.Executed(CommandOpcode.CfgiCd);
        rig.Driver.Faults = FaultInjection.SkipCfgi;

        Assert.Equal(Errno.Ok, rig.Driver.ClearPasid(DriverRig.Sid, DriverRig.Pasid, quiet: true));

        Assert.Equal(cfgiCd, rig.Executed(CommandOpcode.CfgiCd));        // no CMD_CFGI_CD
        Assert.True(rig.Driver.ReadCd(DriverRig.Sid, DriverRig.Pasid).Epd0); // the memory copy is quiet
        rig.Driver.InvalidateAll(asid, DriverRig.Target);                // drop the IOTLB so only the CD cache can answer
        Assert.Equal(AtsStatus.Success, rig.Device.Translate(DriverRig.Sid, DriverRig.Pasid, va, AtsPermissions.Read).Status);
        Assert.NotEqual(AtsPermissions.None, rig.Device.Translate(DriverRig.Sid, DriverRig.Pasid, va, AtsPermissions.Read).Permissions); // stale CD still walks
        _ = mm;
    }

    [Fact]
    public void Skip_sync_wait_lands_the_invalidation_only_at_the_next_submission()
    {
        var rig = Attached();
        rig.Driver.Faults = FaultInjection.SkipSyncWait;

        rig.Driver.InvalidateRange(7, DriverRig.Target, 0x9000, 0xA000);

        Assert.Empty(rig.Backend.Invalidations);                         // returned before the SMMU saw it
        Assert.True(rig.Driver.HasDeferredCommands);
        Assert.Equal(0, rig.Executed(CommandOpcode.TlbiNhVa));
        Assert.Equal(1, rig.Driver.Stats.Commands(CommandOpcode.AtcInv)); // but the commands were written

        rig.Driver.Faults = FaultInjection.None;
        rig.Driver.InvalidateRange(7, DriverRig.Target, 0xB000, 0xC000); // the next submission rings the doorbell

        Assert.Equal(2, rig.Backend.Invalidations.Count);
        Assert.Equal(0x9000UL, rig.Backend.Invalidations[0].Address);    // the late one first
        Assert.False(rig.Driver.HasDeferredCommands);
        Assert.Equal(rig.Reg32(R.CmdqProd), rig.Reg32(R.CmdqCons));
    }

    [Fact]
    public void FlushDeferred_rings_the_held_back_doorbell()
    {
        var rig = Attached();
        rig.Driver.Faults = FaultInjection.SkipSyncWait;
        rig.Driver.InvalidateRange(7, DriverRig.Target, 0x9000, 0xA000);
        rig.Driver.FlushDeferred();
        Assert.Single(rig.Backend.Invalidations);
        Assert.Equal(1, rig.Driver.Stats.DeferredDoorbells);
    }

    [Fact]
    public void An_illegal_command_is_replaced_by_a_sync_and_the_queue_goes_on()
    {
        var rig = Attached();
        long tlbi = rig.Executed(CommandOpcode.TlbiNhAsid);

        Errno err = rig.Driver.SubmitRaw([Command.TlbiNhAsid(1), new Command(0xFF, 0), Command.TlbiNhAsid(2)]);

        Assert.Equal(Errno.Ok, err);                                     // recovered
        Assert.Equal(1, rig.Driver.Stats.IllegalCommandErrors);          // counted
        Assert.Equal(tlbi + 2, rig.Executed(CommandOpcode.TlbiNhAsid));  // the commands around it ran
        Assert.Equal(0u, GError.Active(new GError(rig.Reg32(R.GError)), new GError(rig.Reg32(R.GErrorN)))); // acknowledged
        Assert.Equal(rig.Reg32(R.CmdqProd), rig.Reg32(R.CmdqCons));
    }

    [Fact]
    public void An_atc_sync_timeout_is_retried_then_reported_and_the_queue_recovers_afterwards()
    {
        var rig = Attached();
        rig.Backend.TimeOut = true;

        rig.Driver.InvalidateRange(7, DriverRig.Target, 0x9000, 0xA000);

        Assert.Equal(1 + rig.Driver.Options.MaxErrorRetries, rig.Driver.Stats.AtcInvSyncErrors); // first try + retries
        Assert.Equal(1, rig.Driver.Stats.SyncTimeouts);                  // reported as a failed wait

        rig.Backend.TimeOut = false;
        rig.Driver.InvalidateRange(7, DriverRig.Target, 0xA000, 0xB000);
        Assert.Equal(rig.Reg32(R.CmdqProd) & 0x1FF, rig.Reg32(R.CmdqCons) & 0x1FF); // drained, error cleared
        Assert.Equal(0u, GError.Active(new GError(rig.Reg32(R.GError)), new GError(rig.Reg32(R.GErrorN))));
    }
}

using Emulator.Core;
using Emulator.Core.Mm;
using Emulator.Core.Paging;
using Emulator.Core.Pcie;
using Emulator.Core.Smmu;

namespace Emulator.Tests.Smmu;

/// <summary>ATS translation through the SVA walker: exact completions for 4 KiB and 2 MiB pages,
/// missing and insufficient permissions, A/D updates, the IOTLB and its invalidation.</summary>
public sealed class SmmuTranslateTests
{
    private const uint Pasid = 5;

    [Fact]
    public void A_written_4k_page_translates_to_its_frame_with_rw_and_its_generation()
    {
        var rig = new SmmuRig();
        var (mm, va) = rig.BindProcess(Pasid);
        ulong pa = rig.CpuPa(mm, va);

        var c = rig.Translate(Pasid, va + 0x123, AtsPermissions.Read);

        Assert.Equal(AtsStatus.Success, c.Status);
        Assert.Equal(pa, c.Pa);                                              // the page base (offset 0)
        Assert.Equal(12, c.SizeLog2);
        Assert.Equal(AtsPermissions.Read | AtsPermissions.Write, c.Permissions); // dirty rw page; NX: no Exe
        Assert.False(c.Global);
        Assert.Equal(rig.Frames.Generation(pa >> 12), c.FrameGeneration);
    }

    [Fact]
    public void An_unpopulated_or_unmapped_page_gets_a_success_with_no_permissions_and_no_event()
    {
        var rig = new SmmuRig();
        var (mm, _) = rig.BindProcess(Pasid);
        Assert.Equal(Errno.Ok, mm.Mmap(0, 4096, Protection.ReadWrite, MapFlags.Private | MapFlags.Anonymous, out ulong lazy));

        Assert.Equal(AtsCompletion.NotPresent, rig.Translate(Pasid, lazy, AtsPermissions.Read));      // never touched
        Assert.Equal(AtsCompletion.NotPresent, rig.Translate(Pasid, 0x10_0000_0000, AtsPermissions.Write)); // nothing mapped
        Assert.Empty(rig.DrainEvents());                                      // ATS faults are not events
    }

    [Fact]
    public void A_write_request_to_a_read_only_page_gets_read_only()
    {
        var rig = new SmmuRig();
        var (mm, va) = rig.BindProcess(Pasid);
        Assert.Equal(Errno.Ok, mm.Mprotect(va, 4096, Protection.Read));

        var c = rig.Translate(Pasid, va, AtsPermissions.Read | AtsPermissions.Write);
        Assert.Equal(AtsStatus.Success, c.Status);
        Assert.Equal(AtsPermissions.Read, c.Permissions);                     // R only: the device will ask PRI for W
        Assert.Equal(rig.CpuPa(mm, va), c.Pa);
    }

    /// <summary>Hand-built tables: PML4 → PDPT → PD with a 2 MiB leaf, and a 4 KiB page beside it.</summary>
    private static (ulong Root, ulong LeafPdePa, ulong PtePa) BuildTables(SmmuRig rig, ulong largePa, ulong smallPa, ulong pdeFlags, ulong pteFlags)
    {
        ulong pml4 = rig.AllocFrame(), pdpt = rig.AllocFrame(), pd = rig.AllocFrame(), pt = rig.AllocFrame();
        const ulong table = Pte.PresentBit | Pte.WritableBit | Pte.UserBit;
        rig.Memory.WriteU64(pml4 + 0 * 8, pdpt | table);              // va 0..512 GiB
        rig.Memory.WriteU64(pdpt + 1 * 8, pd | table);                // va 1 GiB..2 GiB
        rig.Memory.WriteU64(pd + 0 * 8, largePa | pdeFlags | Pte.PageSizeBit); // 0x4000_0000: a 2 MiB page
        rig.Memory.WriteU64(pd + 1 * 8, pt | table);                  // 0x4020_0000: a page table
        rig.Memory.WriteU64(pt + 0 * 8, smallPa | pteFlags);          // 0x4020_0000: a 4 KiB page
        return (pml4, pd, pt);
    }

    [Fact]
    public void A_2m_page_gives_a_ranged_completion_and_the_walk_sets_accessed()
    {
        var rig = new SmmuRig();
        const ulong largePa = 0x0200_0000;   // 32 MiB, 2 MiB aligned
        var (root, pdPa, _) = BuildTables(rig, largePa, 0x5000, Pte.PresentBit | Pte.WritableBit | Pte.UserBit | Pte.DirtyBit, 0);
        rig.WriteSte(SmmuRig.Sid, SmmuRig.SvaSte(rig.CdTablePa));
        rig.WriteCd(Pasid, ContextDescriptor.Sva(SmmuRig.Asid, root, 16));

        var c = rig.Translate(Pasid, 0x4001_2345, AtsPermissions.Read);

        Assert.Equal(new AtsCompletion(AtsStatus.Success, largePa, 21, AtsPermissions.Read | AtsPermissions.Write | AtsPermissions.Execute,
            false, rig.Frames.Generation(largePa >> 12)), c);                  // no XD: Exe granted
        Assert.NotEqual(0UL, rig.Memory.ReadU64(pdPa) & Pte.AccessedBit);     // HTTU: A set in the leaf
    }

    [Fact]
    public void A_clean_writable_page_gets_w_only_for_a_write_request_which_sets_dirty()
    {
        var rig = new SmmuRig();
        var (root, _, ptPa) = BuildTables(rig, 0x0200_0000, 0x6000, 0, Pte.PresentBit | Pte.WritableBit | Pte.UserBit | Pte.NoExecuteBit);
        rig.WriteSte(SmmuRig.Sid, SmmuRig.SvaSte(rig.CdTablePa));
        rig.WriteCd(Pasid, ContextDescriptor.Sva(SmmuRig.Asid, root, 16));

        Assert.Equal(AtsPermissions.Read, rig.Translate(Pasid, 0x4020_0000, AtsPermissions.Read).Permissions); // clean: no W
        Assert.Equal(0UL, rig.Memory.ReadU64(ptPa) & Pte.DirtyBit);

        var w = rig.Translate(Pasid, 0x4020_0000, AtsPermissions.Read | AtsPermissions.Write);
        Assert.Equal(AtsPermissions.Read | AtsPermissions.Write, w.Permissions);
        Assert.Equal(0x6000UL, w.Pa);
        Assert.NotEqual(0UL, rig.Memory.ReadU64(ptPa) & Pte.DirtyBit);        // D set before W was granted
    }

    [Fact]
    public void Page_tables_outside_ram_are_f_walk_eabt_and_completer_abort()
    {
        var rig = new SmmuRig();
        rig.WriteSte(SmmuRig.Sid, SmmuRig.SvaSte(rig.CdTablePa));
        rig.WriteCd(Pasid, ContextDescriptor.Sva(SmmuRig.Asid, 1UL << 30, 16));   // root at 1 GiB: no RAM

        Assert.Equal(AtsCompletion.Abort, rig.Translate(Pasid, 0x1000, AtsPermissions.Read));
        // F_WALK_EABT: CLASS TT, RnW, the PML4E address (1 GiB + 0) in FetchAddr.
        Assert.Equal(EventRecord.WalkExternalAbort(SmmuRig.Sid, Pasid, true, 0x1000, read: true, privileged: false, instruction: false, 1UL << 30),
            Assert.Single(rig.DrainEvents()));
    }

    [Fact]
    public void The_iotlb_serves_repeats_and_stays_stale_after_a_pte_change_until_tlbi_nh_va()
    {
        var rig = new SmmuRig();
        var (mm, va) = rig.BindProcess(Pasid);
        var first = rig.Translate(Pasid, va);
        Assert.Equal(1, rig.Smmu.IotlbMisses);
        Assert.Equal(first, rig.Translate(Pasid, va));
        Assert.Equal(1, rig.Smmu.IotlbHits);                          // second request: no walk

        Assert.Equal(Errno.Ok, mm.Munmap(va, 4096));                  // PTE cleared, frame freed; nobody tells the SMMU
        var stale = rig.Translate(Pasid, va);
        Assert.Equal(first, stale);                                   // the IOTLB still answers with the freed frame
        Assert.False(rig.Frames.IsLive(stale.Pa >> 12, stale.FrameGeneration)); // which the oracle can prove stale

        rig.Submit(Command.TlbiNhVa(SmmuRig.Asid, va + 0x1000, leaf: true));     // another page: no effect
        Assert.Equal(first, rig.Translate(Pasid, va));
        rig.Submit(Command.TlbiNhVa(SmmuRig.Asid, va, leaf: true));
        Assert.Equal(AtsCompletion.NotPresent, rig.Translate(Pasid, va));
    }

    [Fact]
    public void Tlbi_nh_asid_and_nh_all_invalidate_and_other_asids_are_untouched()
    {
        var rig = new SmmuRig();
        var (mm, va) = rig.BindProcess(Pasid);
        rig.WriteCd(6, ContextDescriptor.Sva(SmmuRig.Asid + 1, mm.RootPa, 16));   // same tables, another ASID
        rig.Translate(Pasid, va);
        rig.Translate(6, va);
        Assert.Equal(Errno.Ok, mm.Munmap(va, 4096));

        rig.Submit(Command.TlbiNhAsid(SmmuRig.Asid));
        Assert.Equal(AtsCompletion.NotPresent, rig.Translate(Pasid, va));    // ASID 7 gone
        Assert.Equal(AtsStatus.Success, rig.Translate(6, va).Status);        // ASID 8 still stale
        Assert.NotEqual(AtsPermissions.None, rig.Translate(6, va).Permissions);
        rig.Submit(Command.TlbiNhAll());
        Assert.Equal(AtsCompletion.NotPresent, rig.Translate(6, va));
    }

    [Fact]
    public void Range_tlbi_nh_va_and_nh_vaa_cover_their_span()
    {
        var rig = new SmmuRig();
        var (mm, va) = rig.BindProcess(Pasid, pages: 4);
        for (int i = 0; i < 4; i++)
        {
            rig.Translate(Pasid, va + (ulong)i * 4096);
        }
        Assert.Equal(Errno.Ok, mm.Munmap(va, 4 * 4096));

        // TG 4KB, SCALE 0, NUM 1: (1+1) × 2^0 granules = pages 0 and 1.
        rig.Submit(Command.TlbiNhVa(SmmuRig.Asid, va, leaf: true, vmid: 0, num: 1, scale: 0, ttl: 0, tg: 1));
        Assert.Equal(AtsCompletion.NotPresent, rig.Translate(Pasid, va));
        Assert.Equal(AtsCompletion.NotPresent, rig.Translate(Pasid, va + 4096));
        Assert.NotEqual(AtsPermissions.None, rig.Translate(Pasid, va + 2 * 4096).Permissions);  // page 2 still cached

        rig.Submit(Command.TlbiNhVaa(va + 3 * 4096, leaf: true));
        Assert.NotEqual(AtsPermissions.None, rig.Translate(Pasid, va + 2 * 4096).Permissions);
        Assert.Equal(AtsCompletion.NotPresent, rig.Translate(Pasid, va + 3 * 4096));
    }

    [Fact]
    public void The_iotlb_evicts_its_oldest_entry_when_full()
    {
        var rig = new SmmuRig(new SmmuOptions { IotlbEntries = 2 });
        var (_, va) = rig.BindProcess(Pasid, pages: 3);
        rig.Translate(Pasid, va);
        rig.Translate(Pasid, va + 4096);
        rig.Translate(Pasid, va + 8192);                 // evicts page 0
        long misses = rig.Smmu.IotlbMisses;
        rig.Translate(Pasid, va + 8192);
        rig.Translate(Pasid, va + 4096);
        Assert.Equal(misses, rig.Smmu.IotlbMisses);      // pages 1 and 2 hit
        rig.Translate(Pasid, va);
        Assert.Equal(misses + 1, rig.Smmu.IotlbMisses);  // page 0 walked again
    }

    [Fact]
    public void A_disabled_smmu_or_one_without_ats_answers_ur()
    {
        var rig = new SmmuRig();
        var (_, va) = rig.BindProcess(Pasid);
        rig.Write32(SmmuRegisters.Cr0, 0);
        Assert.Equal(AtsCompletion.Unsupported, rig.Translate(Pasid, va));

        var noAts = new SmmuRig(new SmmuOptions { AtsSupported = false });
        var (_, va2) = noAts.BindProcess(Pasid);
        Assert.Equal(AtsCompletion.Unsupported, noAts.Translate(Pasid, va2));
    }
}

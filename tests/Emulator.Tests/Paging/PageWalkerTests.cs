using Emulator.Core.Paging;

namespace Emulator.Tests.Paging;

/// <summary>
/// The x86-64 walker against hand-built tables (SDM Vol. 3A §4.5–§4.8). Every expected address and
/// error code below is computed by hand in the comment next to it.
/// </summary>
public sealed class PageWalkerTests
{
    // va 0x0000_7F12_3456_7ABC: PML5 index 0, PML4 254, PDPT 72, PD 418, PT 359, offset 0xABC.
    private const ulong Va = 0x0000_7F12_3456_7ABC;
    private const ulong UserRw = TestPageTables.UserRw;

    private static readonly WalkOptions Linux = WalkOptions.Default;

    [Fact]
    public void Error_code_bits_are_the_architectural_ones()
    {
        // SDM Vol. 3A Figure 4-12: P bit 0, W/R bit 1, U/S bit 2, RSVD bit 3, I/D bit 4.
        Assert.Equal(0x01u, (uint)PageFaultErrorCode.Present);
        Assert.Equal(0x02u, (uint)PageFaultErrorCode.Write);
        Assert.Equal(0x04u, (uint)PageFaultErrorCode.User);
        Assert.Equal(0x08u, (uint)PageFaultErrorCode.ReservedBit);
        Assert.Equal(0x10u, (uint)PageFaultErrorCode.InstructionFetch);
    }

    [Theory]
    // Tables from 0x10_0000: 4-level root, PDPT, PD, PT → PT at 0x10_3000; 5-level adds the PML5 first → 0x10_4000.
    // Leaf entry = PT + 359 * 8 = PT + 0xB38.
    [InlineData(PagingMode.FourLevel, 0x10_3B38UL)]
    [InlineData(PagingMode.FiveLevel, 0x10_4B38UL)]
    public void A_4K_page_translates_to_frame_plus_offset(PagingMode mode, ulong leafEntryPa)
    {
        var t = new TestPageTables(mode);
        t.Map4K(Va, 0x0040_5000, UserRw);

        var r = t.Walk(Va, AccessType.User);

        Assert.Equal(WalkStatus.Ok, r.Status); // a user read of a user page succeeds
        Assert.Equal(0x0040_5ABCUL, r.Translation.PhysicalAddress); // frame 0x40_5000 | offset 0xABC
        Assert.Equal(0x0040_5000UL, r.Translation.PageBase); // the 4 KiB frame
        Assert.Equal(12, r.Translation.PageShift); // a PTE leaf maps 4 KiB
        Assert.Equal(1, r.Translation.Level); // the walk ended at the PTE
        Assert.Equal(leafEntryPa, r.Translation.LeafEntryPa); // index 359 of the last table handed out
        Assert.Equal(leafEntryPa, r.EntryPa); // the result names the same leaf entry
        Assert.True(r.Translation.Writable && r.Translation.User && !r.Translation.NoExecute); // R/W, U/S at every level, no XD
    }

    [Theory]
    // PD is the third (4-level) or fourth (5-level) table; PDE = PD + 418 * 8 = PD + 0xD10.
    [InlineData(PagingMode.FourLevel, 0x10_2D10UL)]
    [InlineData(PagingMode.FiveLevel, 0x10_3D10UL)]
    public void A_2M_page_translates_with_a_21_bit_offset(PagingMode mode, ulong pdePa)
    {
        var t = new TestPageTables(mode);
        t.Map2M(Va, 0x0060_0000, UserRw);

        var r = t.Walk(Va, AccessType.User);

        Assert.Equal(WalkStatus.Ok, r.Status); // PS = 1 in a PDE is a leaf
        Assert.Equal(0x0076_7ABCUL, r.Translation.PhysicalAddress); // 0x60_0000 + (va & 0x1F_FFFF = 0x16_7ABC)
        Assert.Equal(0x0060_0000UL, r.Translation.PageBase); // the 2 MiB page
        Assert.Equal(21, r.Translation.PageShift); // 2 MiB
        Assert.Equal(2, r.Translation.Level); // ended at the PDE
        Assert.Equal(pdePa, r.Translation.LeafEntryPa); // the PDE is the leaf entry
    }

    [Theory]
    // PDPT is the second (4-level) or third (5-level) table; PDPTE = PDPT + 72 * 8 = PDPT + 0x240.
    [InlineData(PagingMode.FourLevel, 0x10_1240UL)]
    [InlineData(PagingMode.FiveLevel, 0x10_2240UL)]
    public void A_1G_page_translates_with_a_30_bit_offset(PagingMode mode, ulong pdptePa)
    {
        var t = new TestPageTables(mode);
        t.Map1G(Va, 0x4000_0000, UserRw);

        var r = t.Walk(Va, AccessType.User);

        Assert.Equal(WalkStatus.Ok, r.Status); // PS = 1 in a PDPTE is a leaf (the page itself may lie outside RAM)
        Assert.Equal(0x7456_7ABCUL, r.Translation.PhysicalAddress); // 0x4000_0000 + (va & 0x3FFF_FFFF = 0x3456_7ABC)
        Assert.Equal(30, r.Translation.PageShift); // 1 GiB
        Assert.Equal(3, r.Translation.Level); // ended at the PDPTE
        Assert.Equal(pdptePa, r.Translation.LeafEntryPa); // the PDPTE is the leaf entry
    }

    [Fact]
    public void Five_level_paging_translates_addresses_above_47_bits()
    {
        // va 0x0080_0000_0000_1000: bit 55 set, PML5 index 128, PML4/PDPT/PD index 0, PT index 1.
        const ulong high = 0x0080_0000_0000_1000;
        var t = new TestPageTables(PagingMode.FiveLevel);
        t.Map4K(high, 0x0040_7000, UserRw);

        var r = t.Walk(high, AccessType.User);

        Assert.Equal(0x0040_7000UL, r.Translation.PhysicalAddress); // offset 0 in frame 0x40_7000
        Assert.Equal(0x10_0400UL, t.EntryPa(high, 5)); // PML5E = root + 128 * 8: the walk used PML5 slot 128
    }

    [Theory]
    [InlineData(PagingMode.FourLevel, 4)]
    [InlineData(PagingMode.FourLevel, 3)]
    [InlineData(PagingMode.FourLevel, 2)]
    [InlineData(PagingMode.FourLevel, 1)]
    [InlineData(PagingMode.FiveLevel, 5)]
    [InlineData(PagingMode.FiveLevel, 4)]
    [InlineData(PagingMode.FiveLevel, 1)]
    public void A_not_present_entry_faults_with_P_clear_at_its_level(PagingMode mode, int level)
    {
        var t = new TestPageTables(mode);
        t.Map4K(Va, 0x0040_5000, UserRw);
        t.Set(Va, level, 0x0040_5000 | Pte.WritableBit); // everything but P: the rest is ignored

        var r = t.Walk(Va, AccessType.Write | AccessType.User);

        Assert.Equal(WalkStatus.PageFault, r.Status); // not present is a #PF
        Assert.Equal(0x6u, (uint)r.ErrorCode); // P=0 (not present) | W/R (write) | U/S (user) = 0b110
        Assert.Equal(level, r.Level); // the walk stopped at the cleared entry
        Assert.Equal(t.EntryPa(Va, level), r.EntryPa); // and names it
    }

    [Fact]
    public void A_supervisor_read_of_a_not_present_page_has_error_code_zero()
    {
        var t = new TestPageTables(PagingMode.FourLevel);

        var r = t.Walk(Va, AccessType.Read);

        Assert.Equal(0x0u, (uint)r.ErrorCode); // P=0, read, supervisor, not a fetch
        Assert.Equal(4, r.Level); // the empty root: its PML4E is the first entry read
    }

    [Fact]
    public void A_user_write_to_a_read_only_page_is_a_protection_fault()
    {
        var t = new TestPageTables(PagingMode.FourLevel);
        t.Map4K(Va, 0x0040_5000, Pte.PresentBit | Pte.UserBit);

        var r = t.Walk(Va, AccessType.Write | AccessType.User);

        Assert.Equal(WalkStatus.PageFault, r.Status); // R/W = 0 forbids user writes
        Assert.Equal(0x7u, (uint)r.ErrorCode); // P (protection) | W/R | U/S
        Assert.Equal(1, r.Level); // a rights fault reports the leaf level
        Assert.Equal(0x10_3B38UL, r.EntryPa); // the PTE (see the 4 KiB test)
    }

    [Fact]
    public void Read_only_at_an_upper_level_makes_the_whole_range_read_only()
    {
        var t = new TestPageTables(PagingMode.FourLevel);
        t.Map4K(Va, 0x0040_5000, UserRw);
        t.ClearBits(Va, 3, Pte.WritableBit); // PDPTE R/W = 0, leaf R/W = 1

        var r = t.Walk(Va, AccessType.Write | AccessType.User);

        Assert.Equal(0x7u, (uint)r.ErrorCode); // R/W is ANDed over the levels: P | W/R | U/S
        Assert.False(t.Walk(Va, AccessType.User).Translation.Writable); // a read reports the combined right as read-only
    }

    [Fact]
    public void A_supervisor_write_to_a_read_only_page_faults_only_with_CR0_WP()
    {
        var t = new TestPageTables(PagingMode.FourLevel);
        t.Map4K(Va, 0x0040_5000, Pte.PresentBit); // supervisor, read-only

        var withWp = t.Walk(Va, AccessType.Write, Linux);
        var withoutWp = t.Walk(Va, AccessType.Write, Linux with { WriteProtect = false });

        Assert.Equal(0x3u, (uint)withWp.ErrorCode); // WP=1: P | W/R, supervisor
        Assert.Equal(WalkStatus.Ok, withoutWp.Status); // WP=0: supervisor writes ignore R/W
        Assert.True(withoutWp.Translation.Dirty); // and the write still dirties the page
    }

    [Fact]
    public void A_user_access_to_a_supervisor_page_faults()
    {
        var t = new TestPageTables(PagingMode.FourLevel);
        t.Map4K(Va, 0x0040_5000, UserRw);
        t.ClearBits(Va, 2, Pte.UserBit); // PDE U/S = 0: a supervisor-only 2 MiB region

        var r = t.Walk(Va, AccessType.User);

        Assert.Equal(0x5u, (uint)r.ErrorCode); // P | U/S, a read
        Assert.Equal(WalkStatus.Ok, t.Walk(Va, AccessType.Read).Status); // the supervisor may read it
    }

    [Fact]
    public void Fetching_from_an_XD_page_faults_with_I_D()
    {
        var t = new TestPageTables(PagingMode.FourLevel);
        t.Map4K(Va, 0x0040_5000, UserRw);
        t.SetBits(Va, 4, Pte.NoExecuteBit); // XD in the PML4E covers the whole 512 GiB

        var user = t.Walk(Va, AccessType.Execute | AccessType.User);
        var supervisor = t.Walk(Va, AccessType.Execute);
        var read = t.Walk(Va, AccessType.User);

        Assert.Equal(0x15u, (uint)user.ErrorCode); // P | U/S | I/D = 0b1_0101
        Assert.Equal(0x11u, (uint)supervisor.ErrorCode); // P | I/D: supervisor fetches honour XD too
        Assert.True(read.IsOk && read.Translation.NoExecute); // XD is ORed over the levels and does not stop reads
    }

    [Fact]
    public void Without_NXE_a_fetch_from_a_plain_page_succeeds()
    {
        var t = new TestPageTables(PagingMode.FourLevel);
        t.Map4K(Va, 0x0040_5000, UserRw);

        var r = t.Walk(Va, AccessType.Execute | AccessType.User, Linux with { NoExecuteEnable = false });

        Assert.Equal(WalkStatus.Ok, r.Status); // no XD, no NXE: executable
    }

    [Fact]
    public void SMEP_forbids_supervisor_fetches_from_user_pages()
    {
        var t = new TestPageTables(PagingMode.FourLevel);
        t.Map4K(Va, 0x0040_5000, UserRw);

        var smep = t.Walk(Va, AccessType.Execute, Linux with { Smep = true });
        var noSmep = t.Walk(Va, AccessType.Execute, Linux);

        Assert.Equal(0x11u, (uint)smep.ErrorCode); // P | I/D (SDM Vol. 3A §4.6.1)
        Assert.Equal(WalkStatus.Ok, noSmep.Status); // without SMEP the kernel may run user code
    }

    [Fact]
    public void SMAP_forbids_supervisor_data_access_to_user_pages_unless_EFLAGS_AC()
    {
        var t = new TestPageTables(PagingMode.FourLevel);
        t.Map4K(Va, 0x0040_5000, UserRw);
        var smap = Linux with { Smap = true };

        var read = t.Walk(Va, AccessType.Read, smap);
        var readWithAc = t.Walk(Va, AccessType.Read | AccessType.EflagsAc, smap);
        var userRead = t.Walk(Va, AccessType.User, smap);

        Assert.Equal(0x1u, (uint)read.ErrorCode); // P only: a supervisor read
        Assert.Equal(WalkStatus.Ok, readWithAc.Status); // STAC lifts SMAP for explicit accesses
        Assert.Equal(WalkStatus.Ok, userRead.Status); // SMAP does not concern user accesses
    }

    [Theory]
    [InlineData(PagingMode.FourLevel, 4)]
    [InlineData(PagingMode.FiveLevel, 5)]
    [InlineData(PagingMode.FiveLevel, 4)]
    public void PS_in_a_PML4E_or_PML5E_is_a_reserved_bit(PagingMode mode, int level)
    {
        var t = new TestPageTables(mode);
        t.Map4K(Va, 0x0040_5000, UserRw);
        t.SetBits(Va, level, Pte.PageSizeBit);

        var r = t.Walk(Va, AccessType.Read);

        Assert.Equal(0x9u, (uint)r.ErrorCode); // P | RSVD, supervisor read
        Assert.Equal(level, r.Level); // detected at the entry that has it
    }

    [Fact]
    public void Address_bits_at_or_above_MAXPHYADDR_are_reserved()
    {
        var t = new TestPageTables(PagingMode.FourLevel);
        t.Map4K(Va, 0x4000_0000_0000 | 0x0040_5000, UserRw); // bit 46 set in the frame address

        var maxPhys46 = t.Walk(Va, AccessType.Write | AccessType.User);
        var maxPhys52 = t.Walk(Va, AccessType.User, Linux with { MaxPhysAddrBits = 52 });

        Assert.Equal(0xFu, (uint)maxPhys46.ErrorCode); // P | W/R | U/S | RSVD: bit 46 is in 51:46
        Assert.Equal(1, maxPhys46.Level); // found in the PTE
        Assert.Equal(0x4000_0040_5ABCUL, maxPhys52.Translation.PhysicalAddress); // with MAXPHYADDR 52 it is just an address
    }

    [Fact]
    public void A_high_address_bit_in_a_table_pointer_is_reserved_too()
    {
        var t = new TestPageTables(PagingMode.FourLevel);
        t.Map4K(Va, 0x0040_5000, UserRw);
        t.SetBits(Va, 2, 1UL << 51); // PDE pointing at a table above MAXPHYADDR

        var r = t.Walk(Va, AccessType.Read);

        Assert.Equal(0x9u, (uint)r.ErrorCode); // P | RSVD
        Assert.Equal(2, r.Level); // the walk stops at the PDE
    }

    [Fact]
    public void XD_is_reserved_when_NXE_is_clear()
    {
        var t = new TestPageTables(PagingMode.FourLevel);
        t.Map4K(Va, 0x0040_5000, UserRw | Pte.NoExecuteBit);

        var r = t.Walk(Va, AccessType.Execute | AccessType.User, Linux with { NoExecuteEnable = false });

        Assert.Equal(0xDu, (uint)r.ErrorCode); // P | U/S | RSVD; no I/D: a fetch reports I/D only with NXE or SMEP
        Assert.Equal(1, r.Level); // found in the PTE
    }

    [Fact]
    public void A_2M_page_address_with_bits_20_to_13_set_is_reserved()
    {
        var t = new TestPageTables(PagingMode.FourLevel);
        t.Map2M(Va, 0x0060_2000, UserRw); // bit 13 set: not 2 MiB aligned

        var r = t.Walk(Va, AccessType.Read);

        Assert.Equal(0x9u, (uint)r.ErrorCode); // P | RSVD
        Assert.Equal(2, r.Level); // in the PDE
    }

    [Fact]
    public void A_1G_page_address_with_bits_29_to_13_set_is_reserved()
    {
        var t = new TestPageTables(PagingMode.FourLevel);
        t.Map1G(Va, 0x6000_0000, UserRw); // bit 29 set: not 1 GiB aligned

        var r = t.Walk(Va, AccessType.Read);

        Assert.Equal(0x9u, (uint)r.ErrorCode); // P | RSVD
        Assert.Equal(3, r.Level); // in the PDPTE
    }

    [Fact]
    public void Bit_12_of_a_large_page_is_PAT_not_address()
    {
        var t = new TestPageTables(PagingMode.FourLevel);
        t.Map2M(Va, 0x0060_0000 | 0x1000, UserRw); // PAT = 1

        var r = t.Walk(Va, AccessType.User);

        Assert.Equal(0x0076_7ABCUL, r.Translation.PhysicalAddress); // 0x60_0000 + 0x16_7ABC: bit 12 did not leak into the address
    }

    [Fact]
    public void Non_canonical_addresses_are_rejected_before_any_memory_is_read()
    {
        var four = new TestPageTables(PagingMode.FourLevel);
        var five = new TestPageTables(PagingMode.FiveLevel);
        var outside = (ulong)TestPageTables.RamSize; // a root outside RAM: any read would be an external abort

        var r4 = PageWalker.Walk(four.Memory, outside, PagingMode.FourLevel, 0x0000_8000_0000_0000, AccessType.Read, Linux);
        var r4Upper = PageWalker.Walk(four.Memory, outside, PagingMode.FourLevel, 0xFFFF_8000_0000_0000, AccessType.Read, Linux);
        var r5 = PageWalker.Walk(five.Memory, outside, PagingMode.FiveLevel, 0x0000_8000_0000_0000, AccessType.Read, Linux);
        var r5Bad = PageWalker.Walk(five.Memory, outside, PagingMode.FiveLevel, 0xFE00_0000_0000_0000, AccessType.Read, Linux);
        var r5Upper = PageWalker.Walk(five.Memory, outside, PagingMode.FiveLevel, 0xFF00_0000_0000_0000, AccessType.Read, Linux);

        Assert.Equal(WalkStatus.NonCanonical, r4.Status); // bit 47 set, 63:48 clear: not canonical with 48-bit addresses
        Assert.Equal(WalkStatus.ExternalAbort, r4Upper.Status); // 63:47 all set: canonical, so the walk read the (absent) root
        Assert.Equal(WalkStatus.ExternalAbort, r5.Status); // the same va is canonical with 57-bit addresses: walked
        Assert.Equal(5, r5.Level); // starting at the PML5
        Assert.Equal(WalkStatus.NonCanonical, r5Bad.Status); // bit 56 clear but 63:57 set: not canonical in 5-level
        Assert.Equal(WalkStatus.ExternalAbort, r5Upper.Status); // 63:56 all set: canonical in 5-level
    }

    [Fact]
    public void A_read_sets_A_at_every_level_and_no_D()
    {
        var t = new TestPageTables(PagingMode.FourLevel);
        t.Map4K(Va, 0x0040_5000, UserRw);
        ulong[] before = t.Entries(Va, 1);

        var r = t.Walk(Va, AccessType.User);
        ulong[] after = t.Entries(Va, 1);

        for (int i = 0; i < 4; i++)
        {
            Assert.Equal(before[i] | Pte.AccessedBit, after[i]); // A set in PML4E, PDPTE, PDE and PTE, nothing else changed
        }
        Assert.False(r.Translation.Dirty); // a read does not dirty the page
        Assert.Equal(after[3], r.Translation.Leaf.Raw); // the translation carries the leaf as updated
    }

    [Fact]
    public void A_write_sets_D_in_the_leaf_only()
    {
        var t = new TestPageTables(PagingMode.FourLevel);
        t.Map2M(Va, 0x0060_0000, UserRw);
        ulong[] before = t.Entries(Va, 2);

        var r = t.Walk(Va, AccessType.Write | AccessType.User);
        ulong[] after = t.Entries(Va, 2);

        Assert.Equal(before[0] | Pte.AccessedBit, after[0]); // PML4E: A only
        Assert.Equal(before[1] | Pte.AccessedBit, after[1]); // PDPTE: A only (bit 6 is ignored in non-leaf entries and stays 0)
        Assert.Equal(before[2] | Pte.AccessedBit | Pte.DirtyBit, after[2]); // the 2 MiB leaf PDE: A and D
        Assert.True(r.Translation.Dirty); // reported dirty
    }

    [Fact]
    public void A_faulting_walk_sets_no_A_or_D()
    {
        var t = new TestPageTables(PagingMode.FourLevel);
        t.Map4K(Va, 0x0040_5000, Pte.PresentBit | Pte.UserBit);
        ulong[] before = t.Entries(Va, 1);

        var r = t.Walk(Va, AccessType.Write | AccessType.User);

        Assert.Equal(WalkStatus.PageFault, r.Status); // a write to a read-only page
        Assert.Equal(before, t.Entries(Va, 1)); // and not one bit of any entry changed
    }

    [Fact]
    public void An_inspection_walk_sets_no_A_or_D()
    {
        var t = new TestPageTables(PagingMode.FourLevel);
        t.Map4K(Va, 0x0040_5000, UserRw);
        ulong[] before = t.Entries(Va, 1);

        var r = t.Walk(Va, AccessType.Write | AccessType.User, Linux, setAccessedDirty: false);

        Assert.Equal(0x0040_5ABCUL, r.Translation.PhysicalAddress); // it still translates
        Assert.False(r.Translation.Dirty); // reports the leaf as it is
        Assert.Equal(before, t.Entries(Va, 1)); // and writes nothing
    }

    [Fact]
    public void Global_needs_G_in_the_leaf_and_CR4_PGE()
    {
        var t = new TestPageTables(PagingMode.FourLevel);
        t.Map4K(Va, 0x0040_5000, UserRw | Pte.GlobalBit);

        Assert.True(t.Walk(Va, AccessType.User).Translation.Global); // G = 1, PGE = 1
        Assert.False(t.Walk(Va, AccessType.User, Linux with { GlobalPages = false }).Translation.Global); // PGE = 0: G is ignored
    }

    [Fact]
    public void A_table_outside_RAM_is_an_external_abort()
    {
        var t = new TestPageTables(PagingMode.FourLevel);
        t.Map4K(Va, 0x0040_5000, UserRw);
        t.Set(Va, 2, 0x4000_0000 | TestPageTables.TableFlags); // the PDE points at a PT at 1 GiB; RAM is 16 MiB
        ulong pml4e = t.Get(Va, 4);

        var r = t.Walk(Va, AccessType.User);

        Assert.Equal(WalkStatus.ExternalAbort, r.Status); // not a #PF: the SMMU reports F_WALK_EABT
        Assert.Equal(1, r.Level); // the PTE read failed
        Assert.Equal(0x4000_0B38UL, r.EntryPa); // 0x4000_0000 + 359 * 8
        Assert.Equal(pml4e, t.Get(Va, 4)); // an aborted walk sets no A either
    }

    [Fact]
    public void A_root_outside_RAM_aborts_at_the_top_level()
    {
        var t = new TestPageTables(PagingMode.FourLevel);

        var r = PageWalker.Walk(t.Memory, 0x8000_0000, PagingMode.FourLevel, Va, AccessType.Read, Linux);

        Assert.Equal(WalkStatus.ExternalAbort, r.Status); // CR3 points past RAM
        Assert.Equal(4, r.Level); // the PML4E read failed
        Assert.Equal(0x8000_07F0UL, r.EntryPa); // 0x8000_0000 + 254 * 8
    }

    [Fact]
    public void WalkOptions_default_is_the_Linux_configuration()
    {
        Assert.True(Linux.WriteProtect && Linux.NoExecuteEnable && Linux.GlobalPages); // WP, NXE, PGE
        Assert.False(Linux.Smep || Linux.Smap); // SMEP/SMAP off by default
        Assert.Equal(46, Linux.MaxPhysAddrBits); // MAXPHYADDR 46
        Assert.Equal(0x000F_C000_0000_0000UL, Linux.ReservedAddressMask); // bits 51:46
        Assert.Equal(52, default(WalkOptions).MaxPhysAddrBits); // default(struct): no reserved address bits
    }
}

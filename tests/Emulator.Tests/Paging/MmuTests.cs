using Emulator.Core.Paging;

namespace Emulator.Tests.Paging;

/// <summary>The per-vCPU MMU: TLB in front of the walker, and the CR3 / PCID / INVLPG rules of
/// SDM Vol. 3A §4.10.4.1.</summary>
public sealed class MmuTests
{
    // PML4 254, PDPT 72, PD 418, PT 359 (see PageWalkerTests).
    private const ulong Va = 0x0000_7F12_3456_7ABC;
    private const ulong UserRw = TestPageTables.UserRw;
    private const AccessType UserRead = AccessType.User;
    private const AccessType UserWrite = AccessType.User | AccessType.Write;

    private static (TestPageTables Tables, Mmu Mmu) Machine(ulong cr3Low = 0, bool pcide = false)
    {
        var t = new TestPageTables(PagingMode.FourLevel);
        var mmu = new Mmu(t.Memory, PagingMode.FourLevel, WalkOptions.Default);
        Assert.True(mmu.SetPcide(pcide));
        Assert.True(mmu.LoadCr3(t.Root | cr3Low));
        return (t, mmu);
    }

    [Fact]
    public void The_first_translation_walks_and_the_second_hits_the_TLB()
    {
        var (t, mmu) = Machine();
        t.Map4K(Va, 0x0040_5000, UserRw);

        var first = mmu.Translate(Va, UserRead);
        var second = mmu.Translate(Va, UserRead);

        Assert.Equal(0x0040_5ABCUL, first.Translation.PhysicalAddress); // walked
        Assert.False(first.Translation.FromTlb); // by the walker
        Assert.Equal(0x0040_5ABCUL, second.Translation.PhysicalAddress); // same answer
        Assert.True(second.Translation.FromTlb); // from the TLB
        Assert.Equal((1L, 1L), (mmu.Tlb.Hits, mmu.Tlb.Misses)); // one miss (the fill), one hit
    }

    [Fact]
    public void A_changed_PTE_is_stale_until_INVLPG()
    {
        var (t, mmu) = Machine();
        t.Map4K(Va, 0x0040_5000, UserRw);
        Assert.Equal(0x0040_5ABCUL, mmu.Translate(Va, UserRead).Translation.PhysicalAddress); // cached

        t.Map4K(Va, 0x0090_9000, UserRw); // the kernel remaps the page without invalidating

        Assert.Equal(0x0040_5ABCUL, mmu.Translate(Va, UserRead).Translation.PhysicalAddress); // stale, as on hardware
        mmu.Invlpg(Va);
        Assert.Equal(0x0090_9ABCUL, mmu.Translate(Va, UserRead).Translation.PhysicalAddress); // correct after INVLPG
    }

    [Fact]
    public void A_write_through_a_clean_cached_entry_rewalks_and_sets_D()
    {
        var (t, mmu) = Machine();
        t.Map4K(Va, 0x0040_5000, UserRw);
        mmu.Translate(Va, UserRead); // caches D = 0
        Assert.False(new Pte(t.Get(Va, 1)).Dirty); // a read leaves the PTE clean

        var w = mmu.Translate(Va, UserWrite);

        Assert.False(w.Translation.FromTlb); // the clean entry did not serve the write
        Assert.True(new Pte(t.Get(Va, 1)).Dirty); // the re-walk set D in memory
        Assert.True(mmu.Translate(Va, UserWrite).Translation.FromTlb); // and the next write hits the refilled entry
    }

    [Fact]
    public void A_cached_read_only_entry_does_not_hide_the_write_fault()
    {
        var (t, mmu) = Machine();
        t.Map4K(Va, 0x0040_5000, Pte.PresentBit | Pte.UserBit);
        mmu.Translate(Va, UserRead);

        var r = mmu.Translate(Va, UserWrite);

        Assert.Equal(WalkStatus.PageFault, r.Status); // the miss re-walked and faulted
        Assert.Equal(0x7u, (uint)r.ErrorCode); // P | W/R | U/S
    }

    [Fact]
    public void A_fault_is_not_cached()
    {
        var (t, mmu) = Machine();

        Assert.Equal(WalkStatus.PageFault, mmu.Translate(Va, UserRead).Status); // nothing mapped yet
        t.Map4K(Va, 0x0040_5000, UserRw); // the kernel handles the fault

        Assert.Equal(0x0040_5ABCUL, mmu.Translate(Va, UserRead).Translation.PhysicalAddress); // the retry sees the mapping, no INVLPG needed
    }

    [Fact]
    public void Non_canonical_addresses_are_reported_as_such()
    {
        var (_, mmu) = Machine();

        Assert.Equal(WalkStatus.NonCanonical, mmu.Translate(0x0000_8000_0000_0000, UserRead).Status); // #GP, not #PF
    }

    [Fact]
    public void Loading_CR3_without_PCIDE_flushes_all_but_global_entries()
    {
        var (t, mmu) = Machine();
        t.Map4K(Va, 0x0040_5000, UserRw);
        t.Map4K(Va + 0x1000, 0x0041_5000, UserRw | Pte.GlobalBit);
        mmu.Translate(Va, UserRead);
        mmu.Translate(Va + 0x1000, UserRead);
        t.Map4K(Va, 0x0090_9000, UserRw);
        t.Map4K(Va + 0x1000, 0x0091_9000, UserRw | Pte.GlobalBit);

        Assert.True(mmu.LoadCr3(t.Root));

        Assert.Equal(0x0090_9ABCUL, mmu.Translate(Va, UserRead).Translation.PhysicalAddress); // non-global: flushed, sees the new PTE
        Assert.Equal(0x0041_5ABCUL, mmu.Translate(Va + 0x1000, UserRead).Translation.PhysicalAddress); // global: survived, still stale
    }

    [Fact]
    public void With_PCIDE_bit_63_keeps_the_PCIDs_entries_and_clear_bit_63_flushes_them()
    {
        var (t, mmu) = Machine(cr3Low: 1, pcide: true);
        t.Map4K(Va, 0x0040_5000, UserRw);
        mmu.Translate(Va, UserRead); // cached under PCID 1
        t.Map4K(Va, 0x0090_9000, UserRw);

        Assert.True(mmu.LoadCr3(t.Root | 2)); // switch to PCID 2 (flushes PCID 2 only)
        Assert.Equal((ushort)2, mmu.Pcid); // CR3[11:0] is the PCID
        Assert.Equal(0x0090_9ABCUL, mmu.Translate(Va, UserRead).Translation.PhysicalAddress); // PCID 2 has no entry: walks

        Assert.True(mmu.LoadCr3(t.Root | 1 | (1UL << 63))); // back to PCID 1 with the no-flush hint
        Assert.Equal(t.Root | 1, mmu.Cr3); // bit 63 is not stored
        Assert.Equal(0x0040_5ABCUL, mmu.Translate(Va, UserRead).Translation.PhysicalAddress); // PCID 1's entry survived both loads

        Assert.True(mmu.LoadCr3(t.Root | 1)); // bit 63 clear: flush PCID 1
        Assert.Equal(0x0090_9ABCUL, mmu.Translate(Va, UserRead).Translation.PhysicalAddress); // now it walks
    }

    [Fact]
    public void Reserved_CR3_bits_are_refused_and_change_nothing()
    {
        var (t, mmu) = Machine();

        Assert.False(mmu.LoadCr3(t.Root | (1UL << 50))); // bit 50 ≥ MAXPHYADDR 46: #GP
        Assert.False(mmu.LoadCr3(t.Root | (1UL << 63))); // bit 63 without PCIDE: #GP
        Assert.Equal(t.Root, mmu.Cr3); // CR3 unchanged
    }

    [Fact]
    public void PCIDE_cannot_be_set_with_a_nonzero_PCID_in_CR3_and_clearing_it_flushes_globals()
    {
        var (t, mmu) = Machine();
        Assert.True(mmu.LoadCr3(t.Root | 0x18)); // PWT|PCD with PCIDE = 0: legal
        Assert.False(mmu.SetPcide(true)); // CR3[11:0] ≠ 0: #GP
        Assert.False(mmu.Pcide); // and PCIDE stayed clear

        var (t2, mmu2) = Machine(pcide: true);
        t2.Map4K(Va, 0x0040_5000, UserRw | Pte.GlobalBit);
        mmu2.Translate(Va, UserRead);
        t2.Map4K(Va, 0x0090_9000, UserRw | Pte.GlobalBit);
        Assert.True(mmu2.SetPcide(false));
        Assert.Equal(0x0090_9ABCUL, mmu2.Translate(Va, UserRead).Translation.PhysicalAddress); // the global entry was flushed
    }

    [Fact]
    public void Toggling_PGE_flushes_global_entries()
    {
        var (t, mmu) = Machine();
        t.Map4K(Va, 0x0040_5000, UserRw | Pte.GlobalBit);
        mmu.Translate(Va, UserRead);
        t.Map4K(Va, 0x0090_9000, UserRw | Pte.GlobalBit);

        mmu.Options = mmu.Options with { GlobalPages = false };

        Assert.Equal(0x0090_9ABCUL, mmu.Translate(Va, UserRead).Translation.PhysicalAddress); // SDM: a PGE change flushes everything
    }

    [Fact]
    public void A_shootdown_from_another_thread_removes_the_range_in_every_PCID()
    {
        var (t, mmu) = Machine(cr3Low: 1, pcide: true);
        t.Map4K(Va, 0x0040_5000, UserRw);
        mmu.Translate(Va, UserRead);
        Assert.True(mmu.LoadCr3(t.Root | 2 | (1UL << 63)));
        mmu.Translate(Va, UserRead); // cached under PCIDs 1 and 2
        t.Map4K(Va, 0x0090_9000, UserRw);

        var remote = new Thread(() => mmu.ShootdownRange(Va & ~0xFFFUL, (Va & ~0xFFFUL) + 0x1000));
        remote.Start();
        remote.Join();

        Assert.Equal(0x0090_9ABCUL, mmu.Translate(Va, UserRead).Translation.PhysicalAddress); // PCID 2: re-walked
        Assert.True(mmu.LoadCr3(t.Root | 1 | (1UL << 63)));
        Assert.Equal(0x0090_9ABCUL, mmu.Translate(Va, UserRead).Translation.PhysicalAddress); // PCID 1: re-walked too
    }

    [Fact]
    public void TryTranslate_agrees_with_Translate()
    {
        var (t, mmu) = Machine();
        t.Map4K(Va, 0x0040_5000, UserRw);

        Assert.True(mmu.TryTranslate(Va, UserRead, out ulong miss, out _)); // walk path
        Assert.True(mmu.TryTranslate(Va, UserRead, out ulong hit, out _)); // TLB path
        Assert.False(mmu.TryTranslate(Va + 0x1000, UserRead, out _, out WalkResult fault)); // unmapped page

        Assert.Equal(0x0040_5ABCUL, miss); // same pa from the walk
        Assert.Equal(0x0040_5ABCUL, hit); // and from the TLB
        Assert.Equal(0x4u, (uint)fault.ErrorCode); // not present, user read
    }
}

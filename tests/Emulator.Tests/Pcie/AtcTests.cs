using Emulator.Core.Pcie;
using Emulator.Tests.Support;

namespace Emulator.Tests.Pcie;

/// <summary>The device ATC: PASID tagging, ranged and global translations, the PCIe invalidation
/// rules, the documented FIFO replacement, and the guarantee that a remote invalidation is final.</summary>
public sealed class AtcTests
{

    private const uint P1 = 5;
    private const uint P2 = 6;
    private const uint NoPasid = AtcEntry.NoPasid;
    private const ulong Va = 0x0000_7F12_3456_7000;
    private const ulong Base2M = 0x0000_7F12_3440_0000; // 2 MiB aligned, contains Va
    private const ulong Far2M = 0x0000_7F12_3480_0000; // 2 MiB aligned, away from Va
    private const AtsPermissions R = AtsPermissions.Read;
    private const AtsPermissions W = AtsPermissions.Write;
    private const AtsPermissions RW = AtsPermissions.Read | AtsPermissions.Write;
    private const AtsPermissions Priv = AtsPermissions.Privileged;

    private static AtcEntry E(uint pasid, ulong va, ulong pa, int sizeLog2 = 12, AtsPermissions rights = RW,
        bool global = false, uint generation = 0) =>
        new(pasid, va, sizeLog2, pa, rights, global, generation);

    private static ulong? Translate(Atc atc, uint pasid, ulong va, AtsPermissions needed = R) =>
        atc.Lookup(pasid, va, needed, out ulong pa, out _) ? pa : null;

    [Fact]
    public void A_lookup_hits_after_insert_and_adds_the_page_offset()
    {
        var atc = new Atc();
        Assert.False(atc.Lookup(P1, Va, R, out ulong missPa, out AtcEntry missEntry)); // empty: miss
        Assert.Equal(0UL, missPa); // a miss reports no address
        Assert.Equal(0UL, missEntry.Sequence); // and no entry

        atc.Insert(E(P1, Va, 0x0040_5000));

        Assert.True(atc.Lookup(P1, Va + 0xABC, R, out ulong pa, out AtcEntry hit)); // same page, any offset: hit
        Assert.Equal(0x0040_5ABCUL, pa); // frame | offset
        Assert.Equal(Va, hit.Va); // the entry that served it comes back
        Assert.Null(Translate(atc, P1, Va + 0x1000)); // the next page is not cached
        Assert.Equal(1, atc.Hits); // one hit counted
        Assert.Equal(2, atc.Misses); // two misses counted
        Assert.Equal(1, atc.Inserts); // one insert counted
    }

    [Fact]
    public void Entries_are_private_to_their_PASID_and_untagged_entries_to_untagged_requests()
    {
        var atc = new Atc();
        atc.Insert(E(P1, Va, 0x0040_5000));
        atc.Insert(E(P2, Va, 0x0090_9000));
        atc.Insert(E(NoPasid, Va, 0x00A0_A000));

        Assert.Equal(0x0040_5000UL, Translate(atc, P1, Va)); // P1 sees its own frame
        Assert.Equal(0x0090_9000UL, Translate(atc, P2, Va)); // P2 sees its own, not P1's
        Assert.Equal(0x00A0_A000UL, Translate(atc, NoPasid, Va)); // an untagged request sees the untagged entry
        Assert.Null(Translate(atc, 7, Va)); // another PASID has nothing
        Assert.Equal(3, atc.Count); // three separate entries for one va
    }

    [Fact]
    public void Global_entries_serve_every_PASID_but_not_untagged_requests_and_lose_to_the_PASIDs_own()
    {
        var atc = new Atc();
        atc.Insert(E(P1, Va, 0x0040_5000, global: true));
        atc.Insert(E(P1, Far2M, 0x4000_0000, sizeLog2: 21, global: true));

        Assert.Equal(0x0040_5000UL, Translate(atc, 77, Va)); // a 4 KiB global entry inserted by P1 serves PASID 77
        Assert.Equal(0x4000_1234UL, Translate(atc, 78, Far2M + 0x1234)); // and a ranged one serves PASID 78
        Assert.Null(Translate(atc, NoPasid, Va)); // G is defined only for PASID requests: untagged misses
        Assert.True(atc.Contains(P2, Va)); // Contains follows the same matching

        atc.Insert(E(P2, Va, 0x0090_9000));

        Assert.Equal(0x0090_9000UL, Translate(atc, P2, Va)); // P2's own entry is preferred to the global one
        Assert.Equal(0x0040_5000UL, Translate(atc, P1, Va)); // and did not replace it for everyone else
    }

    [Fact]
    public void An_access_the_cached_rights_or_mode_do_not_allow_misses()
    {
        var atc = new Atc();
        atc.Insert(E(P1, Va, 0x0040_5000, rights: R));
        atc.Insert(E(P1, Va + 0x1000, 0x0041_5000, rights: RW | Priv));

        Assert.NotNull(Translate(atc, P1, Va, R)); // a read through a read-only translation hits
        Assert.NotNull(Translate(atc, P1, Va, AtsPermissions.None)); // so does an access needing nothing
        Assert.Null(Translate(atc, P1, Va, W)); // a write misses (the device asks again and may use PRI)
        Assert.Null(Translate(atc, P1, Va, RW)); // read+write needs both
        Assert.Null(Translate(atc, P1, Va, R | AtsPermissions.Execute)); // Exe not granted
        Assert.Null(Translate(atc, P1, Va, R | Priv)); // a privileged access cannot use a non-privileged translation
        Assert.NotNull(Translate(atc, P1, Va + 0x1000, RW | Priv)); // a privileged write uses the privileged one
        Assert.Null(Translate(atc, P1, Va + 0x1000, R)); // but a non-privileged read may not
        Assert.True(atc.Contains(P1, Va + 0x1000)); // Contains ignores rights and mode
    }

    [Theory]
    [InlineData(13)]
    [InlineData(21)] // 2 MiB
    [InlineData(30)] // 1 GiB
    [InlineData(39)] // 512 GiB
    public void A_ranged_entry_hits_at_both_ends_and_misses_just_outside(int sizeLog2)
    {
        ulong size = 1UL << sizeLog2;
        ulong va = 0x0000_7F00_0000_0000UL & ~(size - 1);
        ulong pa = 0x0008_0000_0000_0000UL & ~(size - 1);
        var atc = new Atc();
        atc.Insert(E(P1, va, pa, sizeLog2));

        Assert.Equal(pa, Translate(atc, P1, va)); // first byte
        Assert.Equal(pa + size - 1, Translate(atc, P1, va + size - 1)); // last byte: one entry covers the span
        Assert.Null(Translate(atc, P1, va - 1)); // the byte before misses
        Assert.Null(Translate(atc, P1, va + size)); // the byte after misses
        Assert.Null(Translate(atc, P2, va)); // ranged entries are PASID-tagged too
    }

    [Fact]
    public void A_2_pow_63_entry_covers_the_top_half_of_the_address_space()
    {
        var atc = new Atc();
        atc.Insert(E(P1, 1UL << 63, 0, 63));

        Assert.Equal(ulong.MaxValue >> 1, Translate(atc, P1, ulong.MaxValue)); // the last address translates, no overflow
        Assert.Null(Translate(atc, P1, (1UL << 63) - 1)); // the bottom half does not
    }

    [Fact]
    public void Invalidating_one_4K_page_of_a_2M_entry_removes_the_whole_entry()
    {
        var atc = new Atc();
        atc.Insert(E(P1, Base2M, 0x4000_0000, 21));
        atc.Insert(E(P1, 0x4000_0000, 0x8000_0000, 30));

        Assert.Equal(1, atc.Invalidate(P1, Base2M + 0x1F_F123, 12)); // the last page of the 2 MiB span: one entry
        Assert.Null(Translate(atc, P1, Base2M)); // the first page went with it
        Assert.Equal(1, atc.Invalidate(P1, 0x4000_0000 + 0x1234_5000, 21)); // a 2 MiB range inside the 1 GiB entry
        Assert.Null(Translate(atc, P1, 0x4000_0000)); // removed the 1 GiB entry whole
        Assert.Equal(0, atc.Count); // nothing is left
    }

    [Fact]
    public void A_range_invalidation_across_many_sets_removes_exactly_the_range_of_that_PASID()
    {
        var atc = new Atc(entries: 64, ways: 4); // 16 sets
        for (ulong i = 0; i < 40; i++)
        {
            atc.Insert(E(P1, Base2M + (i << 12), 0x0100_0000 + (i << 12)));
        }
        for (ulong i = 0; i < 10; i++)
        {
            atc.Insert(E(P2, Base2M + (i << 12), 0x0200_0000 + (i << 12)));
        }
        Assert.Equal(0, atc.Evictions); // the setup fits: every later absence is the invalidation's doing

        int removed = atc.Invalidate(P1, Base2M + 0x5123, 17); // 128 KiB = pages 0..31, address aligned down

        Assert.Equal(32, removed); // 32 pages, spread over all 16 sets
        for (ulong i = 0; i < 40; i++)
        {
            Assert.Equal(i >= 32, Translate(atc, P1, Base2M + (i << 12)).HasValue); // pages 0..31 gone, 32..39 kept
        }
        for (ulong i = 0; i < 10; i++)
        {
            Assert.NotNull(Translate(atc, P2, Base2M + (i << 12))); // P2's entries in the range are untouched
        }
        Assert.Equal(1, atc.Invalidate(P1, Base2M + (33 << 12), 12)); // a one-page invalidation finds its set
        Assert.Equal(2, atc.Invalidations); // two invalidation operations
        Assert.Equal(33, atc.EntriesInvalidated); // 32 + 1 entries
    }

    [Fact]
    public void An_invalidation_with_a_PASID_keeps_other_PASIDs_untagged_and_global_entries()
    {
        var atc = new Atc();
        atc.Insert(E(P1, Va, 0x0010_0000));
        atc.Insert(E(P2, Va, 0x0020_0000));
        atc.Insert(E(P2, Va, 0x0030_0000, global: true));
        atc.Insert(E(NoPasid, Va, 0x0040_0000));

        Assert.Equal(1, atc.Invalidate(P1, Va, 12)); // only P1's own entry
        Assert.Equal(0x0030_0000UL, Translate(atc, P1, Va)); // P1 now falls through to the global entry
        Assert.Equal(0x0020_0000UL, Translate(atc, P2, Va)); // P2's entry stays
        Assert.Equal(0x0040_0000UL, Translate(atc, NoPasid, Va)); // the untagged entry stays
    }

    [Fact]
    public void Global_Invalidate_removes_every_PASIDs_entries_and_the_global_ones_but_not_untagged()
    {
        var atc = new Atc();
        atc.Insert(E(P1, Va, 0x0010_0000));
        atc.Insert(E(P2, Base2M, 0x0020_0000, 21));
        atc.Insert(E(P2, Va, 0x0030_0000, global: true));
        atc.Insert(E(NoPasid, Va, 0x0040_0000));
        atc.Insert(E(P1, Va + 0x1000, 0x0050_0000)); // outside the range

        Assert.Equal(3, atc.Invalidate(P2, Va, 12, globalInvalidate: true)); // P1's, P2's ranged one, the global one
        Assert.Null(Translate(atc, P1, Va)); // P1's entry went although the request named P2
        Assert.Null(Translate(atc, 77, Va)); // the global entry went
        Assert.NotNull(Translate(atc, NoPasid, Va)); // the untagged entry stays
        Assert.NotNull(Translate(atc, P1, Va + 0x1000)); // the next page stays
    }

    [Fact]
    public void An_invalidation_without_a_PASID_removes_every_entry_in_the_range()
    {
        var atc = new Atc();
        atc.Insert(E(P1, Va, 0x0010_0000));
        atc.Insert(E(P2, Base2M, 0x0020_0000, 21));
        atc.Insert(E(P2, Va, 0x0030_0000, global: true));
        atc.Insert(E(NoPasid, Va, 0x0040_0000));
        atc.Insert(E(P1, Va + 0x1000, 0x0050_0000)); // outside the range

        Assert.Equal(4, atc.Invalidate(NoPasid, Va, 12, globalInvalidate: false)); // PCIe: no way to spare PASID entries
        Assert.Equal(1, atc.Count); // only the page outside the range is left
        Assert.NotNull(Translate(atc, P1, Va + 0x1000)); // and it still translates
    }

    [Fact]
    public void Whole_space_invalidation_InvalidatePasid_and_InvalidateAll()
    {
        var atc = new Atc();
        atc.Insert(E(P1, Va, 0x0010_0000));
        atc.Insert(E(P1, 1UL << 63, 0, 63));
        atc.Insert(E(P1, Far2M, 0x0020_0000, 21));
        atc.Insert(E(P2, Va, 0x0030_0000));
        atc.Insert(E(P2, Va + 0x1000, 0x0040_0000, global: true));
        atc.Insert(E(NoPasid, Va, 0x0050_0000));

        Assert.Equal(3, atc.Invalidate(P1, 0, Atc.AllAddresses + 3)); // sizeLog2 ≥ 64: every address, P1's three at both ends
        Assert.Equal(0, atc.InvalidatePasid(P1)); // nothing of P1 is left
        Assert.Equal(1, atc.InvalidatePasid(P2)); // P2's own entry
        Assert.NotNull(Translate(atc, P2, Va + 0x1000)); // the global entry P2 requested stays
        Assert.Equal(1, atc.InvalidatePasid(NoPasid)); // for NoPasid: the untagged entries
        Assert.Equal(1, atc.InvalidateAll()); // the global entry
        Assert.Equal(5, atc.Invalidations); // every call counts as one invalidation
        Assert.Equal(6, atc.EntriesInvalidated); // 3 + 0 + 1 + 1 + 1 entries
        Assert.Equal(0, atc.Count); // empty
    }

    [Fact]
    public void A_full_set_evicts_the_oldest_insertion_and_hits_do_not_refresh_it()
    {
        var atc = new Atc(entries: 16, ways: 4); // 4 sets; pages 4 apart share a set
        static ulong Page(int k) => Base2M + ((ulong)k << 14);
        for (int k = 0; k < 4; k++)
        {
            atc.Insert(E(P1, Page(k), 0x0100_0000 + ((ulong)k << 12)));
        }
        for (int i = 0; i < 10; i++)
        {
            Assert.NotNull(Translate(atc, P1, Page(0))); // page 0 is used over and over
        }

        atc.Insert(E(P1, Page(4), 0x0200_0000));

        Assert.Null(Translate(atc, P1, Page(0))); // FIFO: the oldest insertion went despite its hits
        Assert.NotNull(Translate(atc, P1, Page(1))); // the others stay
        Assert.Equal(1, atc.Evictions); // one eviction

        atc.Insert(E(P1, Page(1), 0x0300_0000)); // re-inserting a cached page replaces it in place …
        Assert.Equal(1, atc.Evictions); // … which is not an eviction
        atc.Insert(E(P1, Page(5), 0x0400_0000));

        Assert.Null(Translate(atc, P1, Page(2))); // page 2 is now the oldest and went
        Assert.Equal(0x0300_0000UL, Translate(atc, P1, Page(1))); // page 1 was refreshed by its re-insert
        Assert.NotNull(Translate(atc, P1, Page(3))); // page 3 stays
        Assert.Equal(2, atc.Evictions); // two evictions in all
    }

    [Fact]
    public void A_full_ranged_array_evicts_the_oldest_insertion()
    {
        var atc = new Atc(rangedEntries: 2);
        atc.Insert(E(P1, Base2M, 0x4000_0000, 21));
        atc.Insert(E(P1, Base2M + (2 << 20), 0x4020_0000, 21));
        atc.Insert(E(P1, Base2M + (4 << 20), 0x4040_0000, 21));

        Assert.Null(Translate(atc, P1, Base2M)); // the first went
        Assert.NotNull(Translate(atc, P1, Base2M + (2 << 20))); // the second stays
        Assert.NotNull(Translate(atc, P1, Base2M + (4 << 20))); // the third is cached
        Assert.Equal(1, atc.Evictions); // one eviction
    }

    [Fact]
    public void An_insert_replaces_the_overlapping_translations_of_its_own_scope_only()
    {
        var atc = new Atc();
        atc.Insert(E(P1, Va, 0x0010_0000, generation: 1));
        atc.Insert(E(P1, Va, 0x0020_0000, generation: 2));
        Assert.Equal(0x0020_0000UL, Translate(atc, P1, Va)); // the newer translation wins
        Assert.Equal(1, atc.Count); // and the older one is gone, not shadowed

        atc.Insert(E(P1, Far2M + 0x3000, 0x0030_0000));
        atc.Insert(E(P1, Far2M + 0x5000, 0x0031_0000));
        atc.Insert(E(P2, Far2M + 0x3000, 0x0032_0000));
        atc.Insert(E(P1, Far2M, 0x4000_0000, 21)); // a 2 MiB translation over P1's two pages

        Assert.Equal(0x4000_3000UL, Translate(atc, P1, Far2M + 0x3000)); // P1 now uses the ranged entry
        Assert.Equal(0x0032_0000UL, Translate(atc, P2, Far2M + 0x3000)); // P2's page is another scope: kept
        Assert.Equal(3, atc.Count); // Va, the 2 MiB entry, P2's page

        atc.Insert(E(P1, Far2M + 0x7000, 0x0033_0000)); // a 4 KiB translation inside the 2 MiB one
        Assert.Null(Translate(atc, P1, Far2M)); // replaced the ranged entry: at most one P1 entry covers a va
        Assert.Equal(0x0033_0000UL, Translate(atc, P1, Far2M + 0x7000)); // and serves its page
    }

    [Fact]
    public void Frame_generation_and_sequence_are_kept_and_Dump_lists_entries_oldest_first()
    {
        var atc = new Atc();
        atc.Insert(new AtcEntry(P1, Base2M, 21, 0x4000_0000, R, global: false, frameGeneration: 41, sequence: 999));
        atc.Insert(E(P2, Va, 0x0040_5000, rights: RW | AtsPermissions.Execute, generation: 42));
        atc.Insert(E(P2, Va + 0x1000, 0x0050_5000, global: true, generation: 43));

        Assert.True(atc.Lookup(P1, Base2M + 0x10, R, out _, out AtcEntry hit));
        Assert.Equal(41u, hit.FrameGeneration); // the oracle gets the generation recorded at fill time
        Assert.Equal(1UL, hit.Sequence); // the ATC assigns sequences (the caller's 999 is ignored)

        var dump = new List<AtcEntry> { default }; // Dump appends
        atc.Dump(dump);

        Assert.Equal(4, dump.Count); // the existing element plus three entries
        Assert.Equal(new ulong[] { 1, 2, 3 }, dump.Skip(1).Select(e => e.Sequence)); // oldest insertion first
        AtcEntry ranged = dump[1];
        Assert.Equal((P1, Base2M, 21, 0x4000_0000UL, R, false, 41u), // every field of the ranged entry
            (ranged.Pasid, ranged.Va, ranged.SizeLog2, ranged.Pa, ranged.Permissions, ranged.Global, ranged.FrameGeneration));
        Assert.Equal((P2, Va, 12, RW | AtsPermissions.Execute, 42u), // the 4 KiB one
            (dump[2].Pasid, dump[2].Va, dump[2].SizeLog2, dump[2].Permissions, dump[2].FrameGeneration));
        Assert.True(dump[3].Global && dump[3].Pasid == P2 && dump[3].FrameGeneration == 43); // the global one keeps its requester
        Assert.Equal("pasid 6 va 0x7f1234568000/12 -> pa 0x505000 RW- G gen 43 seq 3", dump[3].ToString()); // the dump line
    }

    [Fact]
    public void A_fill_that_raced_an_invalidation_is_dropped()
    {
        var atc = new Atc();
        uint token = atc.BeginFill(); // the device sends a Translation Request

        var remote = new Thread(() => atc.Invalidate(P1, Va, 12)); // an invalidation arrives meanwhile
        remote.Start();
        remote.Join();

        Assert.False(atc.TryInsert(E(P1, Va, 0x0040_5000), token)); // the completion may predate it: dropped
        Assert.Null(Translate(atc, P1, Va)); // nothing was cached
        Assert.Equal(1, atc.DroppedFills); // and it was counted

        uint first = atc.BeginFill();
        uint second = atc.BeginFill(); // two requests outstanding
        Assert.True(atc.TryInsert(E(P1, Va, 0x0040_5000), first)); // no invalidation in between: kept
        Assert.True(atc.TryInsert(E(P1, Va + 0x1000, 0x0041_5000), second)); // an insert does not stale the other token
        Assert.Equal(2, atc.Count); // both cached
    }

    [Theory]
    [InlineData(0, 4, 16, "entries")]
    [InlineData(255, 4, 16, "entries")] // not a multiple of ways
    [InlineData(96, 4, 16, "entries")] // 24 sets: not a power of two
    [InlineData(256, 0, 16, "ways")]
    [InlineData(1024, 33, 16, "ways")]
    [InlineData(256, 4, 0, "rangedEntries")]
    [InlineData(256, 4, 257, "rangedEntries")]
    public void A_bad_geometry_names_the_parameter(int entries, int ways, int rangedEntries, string parameter)
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new Atc(entries, ways, rangedEntries));
        Assert.Equal(parameter, e.ParamName); // the message points at the config key
    }

    [Fact]
    public void Malformed_entries_and_invalidation_sizes_are_rejected()
    {
        var atc = new Atc();
        Assert.Throws<ArgumentException>(() => atc.Insert(E(P1, Va + 0x10, 0x1000))); // va not page aligned
        Assert.Throws<ArgumentException>(() => atc.Insert(E(P1, Base2M, 0x1000, 21))); // pa not aligned to 2 MiB
        Assert.Throws<ArgumentException>(() => atc.Insert(E(P1, Va, 0x1000, 11))); // below 4 KiB
        Assert.Throws<ArgumentException>(() => atc.Insert(E(P1, 0, 0, 64))); // above 2^63
        Assert.Throws<ArgumentException>(() => atc.Insert(E(NoPasid, Va, 0x1000, global: true))); // G without a PASID
        Assert.Throws<ArgumentException>(() => atc.Insert(E(1u << 20, Va, 0x1000))); // a PASID wider than 20 bits
        Assert.Throws<ArgumentOutOfRangeException>(() => atc.Invalidate(P1, Va, 11)); // an ATS span is ≥ 4 KiB
        Assert.Equal(0, atc.Count); // nothing got in
    }

    [Fact]
    public void Random_operations_agree_with_a_reference_model()
    {
        // A naive list model of the documented rules, no capacity limit; the ATC is big enough never to
        // evict, so every difference is a rule the ATC gets wrong.
        const int seed = 20250311;
        var random = new Random(seed);
        var atc = new Atc(entries: 4096, ways: 8, rangedEntries: 256);
        var model = new List<AtcEntry>();
        uint[] pasids = [P1, P2, NoPasid];
        AtsPermissions[] rights = [R, RW, RW | AtsPermissions.Execute, R | Priv, RW | Priv];
        AtsPermissions[] needs = [R, W, RW, R | AtsPermissions.Execute, R | Priv, W | Priv];
        int[] spans = [12, 12, 12, 13, 21, 30];

        for (int op = 0; op < 3000; op++)
        {
            uint pasid = pasids[random.Next(pasids.Length)];
            ulong va = Base2M + ((ulong)random.Next(64) << 12) + (ulong)random.Next(4096);
            switch (random.Next(10))
            {
                case < 4:
                {
                    int sizeLog2 = spans[random.Next(spans.Length)];
                    bool global = pasid != NoPasid && random.Next(5) == 0;
                    ulong mask = (1UL << sizeLog2) - 1;
                    var e = new AtcEntry(pasid, va & ~mask, sizeLog2, ((ulong)random.Next(1 << 10) << 30) & ~mask,
                        rights[random.Next(rights.Length)], global, (uint)op);
                    atc.Insert(e);
                    model.RemoveAll(m => m.Global == e.Global && (m.Global || m.Pasid == e.Pasid) && m.Va <= e.Last && e.Va <= m.Last);
                    model.Add(e);
                    break;
                }
                case < 8:
                {
                    AtsPermissions needed = needs[random.Next(needs.Length)];
                    bool hit = atc.Lookup(pasid, va, needed, out ulong pa, out AtcEntry got);
                    AtcEntry? expected = ModelLookup(model, pasid, va);
                    bool allowed = expected is { } x && (x.Permissions & Priv) == (needed & Priv) &&
                        (needed & ~x.Permissions & ~Priv) == 0;
                    Assert.True(hit == allowed, $"seed {seed} op {op}: lookup {pasid} 0x{va:x} {needed}: hit {hit}, model {expected}");
                    if (hit)
                    {
                        Assert.True(pa == expected!.Value.Translate(va) && got.FrameGeneration == expected.Value.FrameGeneration,
                            $"seed {seed} op {op}: pa 0x{pa:x} from {got}, model {expected}"); // the same translation
                    }
                    break;
                }
                default:
                {
                    int sizeLog2 = random.Next(5) == 0 ? Atc.AllAddresses : spans[random.Next(spans.Length)];
                    bool gi = random.Next(4) == 0;
                    ulong first = sizeLog2 >= 64 ? 0 : va & ~((1UL << sizeLog2) - 1);
                    ulong last = sizeLog2 >= 64 ? ulong.MaxValue : first + ((1UL << sizeLog2) - 1);
                    int removed = atc.Invalidate(pasid, va, sizeLog2, gi);
                    int expected = model.RemoveAll(m => m.Va <= last && first <= m.Last &&
                        (pasid == NoPasid || (gi ? m.Pasid != NoPasid : !m.Global && m.Pasid == pasid)));
                    Assert.True(removed == expected, $"seed {seed} op {op}: invalidate {pasid} 0x{va:x}/{sizeLog2} gi {gi}: {removed}, model {expected}");
                    break;
                }
            }
        }

        Assert.Equal(0, atc.Evictions); // the premise: no capacity effects
        var dump = new List<AtcEntry>();
        atc.Dump(dump);
        Assert.Equal(model.Select(Key).Order(), dump.Select(Key).Order()); // the same final contents

        static string Key(AtcEntry e) => $"{e.Pasid} {e.Va:x} {e.SizeLog2} {e.Pa:x} {e.Permissions} {e.Global} {e.FrameGeneration}";
    }

    /// <summary>The model's lookup: the PASID's own entry, else (with a PASID) a global one.</summary>
    private static AtcEntry? ModelLookup(List<AtcEntry> model, uint pasid, ulong va)
    {
        foreach (var m in model)
        {
            if (!m.Global && m.Pasid == pasid && m.Covers(va))
            {
                return m;
            }
        }
        if (pasid != NoPasid)
        {
            foreach (var m in model)
            {
                if (m.Global && m.Covers(va))
                {
                    return m;
                }
            }
        }
        return null;
    }

    [Fact]
    public void After_a_remote_invalidation_returns_no_later_lookup_hits_the_old_entry()
    {
        // The DMA thread inserts va → a pa unique to the round (a 4 KiB entry, or every other round a
        // 2 MiB one) and looks it up in a loop; the backend thread invalidates it (three flavours), then
        // refills the freed slots with other translations.
        var atc = new Atc(); // 64 sets × 4 ways

        var r = InvalidationRace.Run(maxRounds: 2000, enoughMs: 300,
            fill: round =>
            {
                bool ranged = round % 2 == 1;
                ulong pa = ranged ? 0x8000_0000UL + ((ulong)round << 21) : 0x0200_0000UL + ((ulong)round << 12);
                atc.Insert(ranged ? E(P1, Base2M, pa, 21) : E(P1, Va, pa));
                return ranged ? pa + (Va - Base2M) + 0x123 : pa + 0x123;
            },
            lookup: (out ulong got) => atc.Lookup(P1, Va + 0x123, R, out got, out _),
            invalidateAndRefill: round =>
            {
                switch (round % 3)
                {
                    case 0: atc.Invalidate(P1, Va, 12); break;
                    case 1: atc.Invalidate(NoPasid, Va, 12); break;
                    default: atc.InvalidatePasid(P1); break;
                }
                for (ulong k = 1; k <= 4; k++)
                {
                    // 64 pages apart: the set Va just vacated. And other 2 MiB spans into the freed ranged slot.
                    atc.Insert(E(P1, Va + (k << 18), 0x0100_0000 + (k << 12)));
                    atc.Insert(E(P1, Base2M + (k << 21), 0x4000_0000 + (k << 21), 21));
                }
            });

        Assert.True(r.Rounds >= InvalidationRace.MinRounds, $"only {r.Rounds} rounds ran in 30 s: a hang"); // the race was exercised many times
        Assert.True(r.HitsChecked > 0, "no hit was ever checked"); // lookups did hit before each invalidation
        Assert.Equal(0, r.StaleHits); // no lookup after the invalidation returned hit the old entry
        Assert.Equal(0, r.TornHits); // every hit returned this round's translation
    }
}

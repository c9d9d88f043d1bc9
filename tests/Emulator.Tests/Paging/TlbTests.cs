using Emulator.Core.Paging;
using Emulator.Tests.Support;

namespace Emulator.Tests.Paging;

/// <summary>The CPU TLB: tagging, permission-checked hits, the invalidation operations of SDM Vol. 3A
/// §4.10.4 and the shootdown guarantee of <see cref="Tlb"/>.</summary>
public sealed class TlbTests
{

    private const ulong Va = 0x0000_7F12_3456_7000;
    private const AccessType UserRead = AccessType.User;
    private const AccessType UserWrite = AccessType.User | AccessType.Write;

    /// <summary>A translation as a walk would produce it (the va's page offset is added by the TLB).</summary>
    private static Translation Tr(ulong pageBase, int shift = 12, bool writable = true, bool user = true,
        bool noExecute = false, bool dirty = true, bool global = false)
    {
        byte rights = 0;
        rights |= writable ? Translation.RightWritable : (byte)0;
        rights |= user ? Translation.RightUser : (byte)0;
        rights |= noExecute ? Translation.RightNoExecute : (byte)0;
        rights |= dirty ? Translation.RightDirty : (byte)0;
        rights |= global ? Translation.RightGlobal : (byte)0;
        return new Translation(pageBase, shift, rights, 0, Pte.None, fromTlb: false);
    }

    [Fact]
    public void A_lookup_hits_after_insert_and_adds_the_page_offset()
    {
        var tlb = new Tlb();
        Assert.False(tlb.Lookup(Va, 0, UserRead, out _)); // empty: miss

        tlb.Insert(Tr(0x0040_5000), Va, 0);

        Assert.True(tlb.Lookup(Va + 0xABC, 0, UserRead, out ulong pa)); // same page, any offset: hit
        Assert.Equal(0x0040_5ABCUL, pa); // frame | offset
        Assert.False(tlb.Lookup(Va + 0x1000, 0, UserRead, out _)); // the next page is not cached
        Assert.Equal(1, tlb.Hits); // one hit counted
        Assert.Equal(2, tlb.Misses); // two misses counted
    }

    [Fact]
    public void TryLookup_returns_the_cached_rights_and_size()
    {
        var tlb = new Tlb();
        tlb.Insert(Tr(0x0060_0000, shift: 21, writable: false, global: true), Va & ~0x1F_FFFFUL, 3);

        Assert.True(tlb.TryLookup(Va + 0xABC, 3, UserRead, out Translation t)); // inside the 2 MiB page
        Assert.Equal(0x0076_7ABCUL, t.PhysicalAddress); // 0x60_0000 + (va & 0x1F_FFFF = 0x16_7ABC)
        Assert.Equal(21, t.PageShift); // size survives the round trip
        Assert.True(t.FromTlb && !t.Writable && t.User && t.Global && t.Dirty); // and so do the rights
    }

    [Fact]
    public void Entries_are_private_to_their_PCID()
    {
        var tlb = new Tlb();
        tlb.Insert(Tr(0x0040_5000), Va, 1);
        tlb.Insert(Tr(0x0090_9000), Va, 2);

        Assert.True(tlb.Lookup(Va, 1, UserRead, out ulong pa1)); // PCID 1 sees its entry
        Assert.True(tlb.Lookup(Va, 2, UserRead, out ulong pa2)); // PCID 2 sees its own
        Assert.Equal(0x0040_5000UL, pa1); // not PCID 2's frame
        Assert.Equal(0x0090_9000UL, pa2); // not PCID 1's frame
        Assert.False(tlb.Lookup(Va, 3, UserRead, out _)); // PCID 3 has nothing
    }

    [Fact]
    public void Global_entries_match_every_PCID_and_survive_non_global_flushes()
    {
        var tlb = new Tlb();
        tlb.Insert(Tr(0x0040_5000, global: true), Va, 1);
        tlb.Insert(Tr(0x0050_5000), Va + 0x1000, 1);

        Assert.True(tlb.Lookup(Va, 7, UserRead, out _)); // a global entry inserted under PCID 1 serves PCID 7
        tlb.FlushNonGlobal();
        tlb.InvalidatePcid(1, keepGlobal: true);
        Assert.True(tlb.Lookup(Va, 1, UserRead, out _)); // survives both non-global flushes
        Assert.False(tlb.Lookup(Va + 0x1000, 1, UserRead, out _)); // the non-global one did not
        tlb.InvalidatePcid(1, keepGlobal: false);
        Assert.False(tlb.Lookup(Va, 1, UserRead, out _)); // INVPCID without keepGlobal removes it
    }

    [Fact]
    public void FlushAll_removes_global_entries()
    {
        var tlb = new Tlb();
        tlb.Insert(Tr(0x0040_5000, global: true), Va, 0);
        tlb.Insert(Tr(0x0060_0000, shift: 21, global: true), 0x4000_0000, 0);

        tlb.FlushAll();

        Assert.False(tlb.Lookup(Va, 0, UserRead, out _)); // the 4 KiB global entry is gone
        Assert.False(tlb.Lookup(0x4000_0000, 0, UserRead, out _)); // and the 2 MiB one
    }

    [Fact]
    public void Invalidating_one_address_of_a_2M_page_removes_the_whole_page()
    {
        var tlb = new Tlb();
        const ulong base2M = 0x0000_7F12_3440_0000;
        tlb.Insert(Tr(0x0060_0000, shift: 21), base2M, 0);
        Assert.True(tlb.Lookup(base2M + 0x12345, 0, UserRead, out ulong pa)); // one entry covers 2 MiB
        Assert.Equal(0x0061_2345UL, pa); // 0x60_0000 + 0x1_2345

        tlb.InvalidatePage(base2M + 0x1F_F000, 0); // INVLPG of the last 4 KiB page in it

        Assert.False(tlb.Lookup(base2M, 0, UserRead, out _)); // the first page is gone too: SDM §4.10.4.1
    }

    [Fact]
    public void INVLPG_removes_only_the_page_in_the_current_PCID_and_globals()
    {
        var tlb = new Tlb();
        tlb.Insert(Tr(0x0040_5000), Va, 1);
        tlb.Insert(Tr(0x0041_5000), Va, 2);
        tlb.Insert(Tr(0x0042_5000, global: true), Va + 0x1000, 2);
        tlb.Insert(Tr(0x0043_5000), Va + 0x2000, 1);

        tlb.InvalidatePage(Va, 1);
        tlb.InvalidatePage(Va + 0x1000, 1);

        Assert.False(tlb.Lookup(Va, 1, UserRead, out _)); // the page in PCID 1: gone
        Assert.True(tlb.Lookup(Va, 2, UserRead, out _)); // the same page in PCID 2: kept
        Assert.False(tlb.Lookup(Va + 0x1000, 2, UserRead, out _)); // a global entry goes whatever the PCID
        Assert.True(tlb.Lookup(Va + 0x2000, 1, UserRead, out _)); // another page: kept
    }

    [Fact]
    public void InvalidateRange_removes_every_PCID_and_only_the_range()
    {
        var tlb = new Tlb();
        for (ulong i = 0; i < 8; i++)
        {
            tlb.Insert(Tr(0x0040_0000 + (i << 12)), Va + (i << 12), (ushort)(i % 3));
        }
        tlb.Insert(Tr(0x0060_0000, shift: 21, global: true), 0x4000_0000, 0);

        tlb.InvalidateRange(Va + 0x2000, Va + 0x5000); // pages 2, 3, 4 (end exclusive)
        tlb.InvalidateRange(0x401F_F000, 0x4020_0000); // the last 4 KiB of the 2 MiB page

        for (ulong i = 0; i < 8; i++)
        {
            bool hit = tlb.Lookup(Va + (i << 12), (ushort)(i % 3), UserRead, out _);
            Assert.Equal(i < 2 || i > 4, hit); // pages 2..4 gone in whichever PCID held them; others kept
        }
        Assert.False(tlb.Lookup(0x4000_0000, 0, UserRead, out _)); // the overlapped global 2 MiB entry went whole
    }

    [Fact]
    public void A_write_through_a_clean_entry_misses()
    {
        var tlb = new Tlb();
        tlb.Insert(Tr(0x0040_5000, dirty: false), Va, 0);

        Assert.True(tlb.Lookup(Va, 0, UserRead, out _)); // reads use the clean entry
        Assert.False(tlb.Lookup(Va, 0, UserWrite, out _)); // a write misses, so the walker can set D

        tlb.Insert(Tr(0x0040_5000, dirty: true), Va, 0);
        Assert.True(tlb.Lookup(Va, 0, UserWrite, out _)); // the refilled (dirty) entry replaced it and serves writes
    }

    [Fact]
    public void An_access_the_cached_rights_do_not_allow_misses()
    {
        var tlb = new Tlb();
        tlb.Insert(Tr(0x0040_5000, writable: false), Va, 0);
        tlb.Insert(Tr(0x0041_5000, user: false), Va + 0x1000, 0);
        tlb.Insert(Tr(0x0042_5000, noExecute: true), Va + 0x2000, 0);

        Assert.False(tlb.Lookup(Va, 0, UserWrite, out _)); // user write to read-only: re-walk to fault
        Assert.False(tlb.Lookup(Va + 0x1000, 0, UserRead, out _)); // user read of a supervisor page
        Assert.True(tlb.Lookup(Va + 0x1000, 0, AccessType.Read, out _)); // which the supervisor may read
        Assert.False(tlb.Lookup(Va + 0x2000, 0, AccessType.Execute | AccessType.User, out _)); // fetch from XD
    }

    [Fact]
    public void CR0_WP_applies_to_cached_entries_without_a_flush()
    {
        var tlb = new Tlb();
        tlb.Insert(Tr(0x0040_5000, writable: false, user: false), Va, 0);

        Assert.False(tlb.Lookup(Va, 0, AccessType.Write, out _)); // WP=1: supervisor write to read-only misses
        tlb.Options = WalkOptions.Default with { WriteProtect = false };
        Assert.True(tlb.Lookup(Va, 0, AccessType.Write, out _)); // WP=0: the same entry now serves it
    }

    [Fact]
    public void A_full_set_evicts_one_way()
    {
        var tlb = new Tlb(sets: 64, ways: 4);
        // Pages 64 apart share a set (set = page number mod 64).
        for (ulong i = 0; i < 5; i++)
        {
            tlb.Insert(Tr(0x0040_0000 + (i << 12)), Va + (i << 18), 0);
        }

        int hits = 0;
        for (ulong i = 0; i < 5; i++)
        {
            hits += tlb.Lookup(Va + (i << 18), 0, UserRead, out _) ? 1 : 0;
        }
        Assert.Equal(4, hits); // 4 ways: the fifth insert evicted exactly one
    }

    [Fact]
    public void The_generation_advances_on_every_invalidation_and_on_nothing_else()
    {
        var tlb = new Tlb(sets: 64, ways: 4);
        uint g = tlb.Generation;
        for (ulong i = 0; i < 6; i++)
        {
            tlb.Insert(Tr(0x0040_0000 + (i << 12)), Va + (i << 18), 0); // the fifth and sixth evict
            Assert.True(tlb.TryInsert(Tr(0x0080_0000), Va + 0x1000 + (i << 12), 0, tlb.BeginFill()));
            tlb.Lookup(Va + (i << 18), 0, UserRead, out _);
        }
        Assert.Equal(g, tlb.Generation); // fills, evictions and lookups leave what was derived valid

        Action[] invalidations =
        [
            () => tlb.InvalidatePage(Va, 0),
            () => tlb.InvalidateRange(Va, Va + 0x1000),
            () => tlb.InvalidatePcid(0, keepGlobal: true),
            () => tlb.FlushNonGlobal(),
            () => tlb.FlushAll(),
        ];
        foreach (Action invalidate in invalidations)
        {
            invalidate();
            Assert.NotEqual(g, tlb.Generation); // each one, even of a page not cached, makes it stale
            g = tlb.Generation;
        }
    }

    [Fact]
    public void A_fill_that_raced_an_invalidation_is_dropped()
    {
        var tlb = new Tlb();
        uint token = tlb.BeginFill(); // the owner starts a walk

        var remote = new Thread(() => tlb.InvalidatePage(Va, 0)); // a shootdown arrives meanwhile
        remote.Start();
        remote.Join();

        Assert.False(tlb.TryInsert(Tr(0x0040_5000), Va, 0, token)); // the walk may have read the old entry: dropped
        Assert.False(tlb.Lookup(Va, 0, UserRead, out _)); // nothing was cached
        Assert.Equal(1, tlb.DroppedFills); // and it was counted
        Assert.True(tlb.TryInsert(Tr(0x0040_5000), Va, 0, tlb.BeginFill())); // a fill with no invalidation in between is kept
    }

    [Fact]
    public void After_a_remote_invalidation_returns_no_later_lookup_hits_the_old_entry()
    {
        // The owner inserts va → a pa unique to the round and looks it up in a loop; a second thread
        // invalidates it (three flavours) and then rewrites the slot with other pages of the same set.
        const ushort pcid = 5;
        var tlb = new Tlb(sets: 64, ways: 4);

        var r = InvalidationRace.Run(maxRounds: 3000, enoughMs: 500,
            fill: round =>
            {
                ulong pageBase = 0x0200_0000 + ((ulong)round << 12);
                tlb.Insert(Tr(pageBase), Va, pcid);
                return pageBase + 0x123;
            },
            lookup: (out ulong pa) => tlb.Lookup(Va + 0x123, pcid, UserRead, out pa),
            invalidateAndRefill: round =>
            {
                switch (round % 3)
                {
                    case 0: tlb.InvalidatePage(Va, pcid); break;
                    case 1: tlb.InvalidateRange(Va, Va + 0x1000); break;
                    default: tlb.InvalidatePcid(pcid, keepGlobal: true); break;
                }
                for (ulong k = 1; k <= 4; k++)
                {
                    // Same set (64 pages apart), so these land in the way Va just vacated while the
                    // owner is still looking Va up: a reader without the seqlock would pair Va's old
                    // tag with one of these frames.
                    tlb.Insert(Tr(0x0100_0000 + (k << 12)), Va + (k << 18), pcid);
                }
            });

        Assert.True(r.Rounds >= InvalidationRace.MinRounds, $"only {r.Rounds} rounds ran in 30 s: a hang"); // the race was exercised many times
        Assert.True(r.HitsChecked > 0, "no hit was ever checked"); // lookups did hit before each invalidation
        Assert.Equal(0, r.StaleHits); // no lookup after the invalidation returned hit the old entry
        Assert.Equal(0, r.TornHits); // no hit (of the hitsChecked before each invalidation) returned another frame
    }
}

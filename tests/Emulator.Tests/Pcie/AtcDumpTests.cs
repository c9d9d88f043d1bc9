using Emulator.Core.Pcie;

namespace Emulator.Tests.Pcie;

/// <summary>
/// <see cref="Atc.DumpOverlapping"/>, which the coherence oracle runs after every invalidation in place
/// of a whole-cache <see cref="Atc.Dump"/>: it must list exactly the entries the oracle's filter keeps
/// from a full dump (the PASID's own and every global one, overlapping the range), in the same order.
/// </summary>
public sealed class AtcDumpTests
{
    private const uint P1 = 5;
    private const uint P2 = 6;
    private const ulong Base = 0x0000_7F00_0000_0000;

    private static AtcEntry E(uint pasid, ulong va, int sizeLog2 = 12, bool global = false) =>
        new(pasid, va, sizeLog2, 0x4000_0000 + (va & 0xFFF_F000), AtsPermissions.Read, global, 0);

    /// <summary>The oracle's filter applied to a full dump (the reference the fast path must equal).</summary>
    private static List<AtcEntry> Reference(Atc atc, uint pasid, ulong start, ulong end)
    {
        var all = new List<AtcEntry>();
        atc.Dump(all);
        return all.FindAll(e => (e.Pasid == pasid || e.Global) && e.Va < end && e.Last >= start);
    }

    [Fact]
    public void Lists_the_pasid_s_own_and_global_entries_of_the_range_only()
    {
        var atc = new Atc();
        atc.Insert(E(P1, Base));
        atc.Insert(E(P2, Base));                        // another PASID's translation of the same page
        atc.Insert(E(AtcEntry.NoPasid, Base));          // an untagged one
        atc.Insert(E(P2, Base + 0x1000, global: true)); // a global one requested by another PASID
        atc.Insert(E(P1, Base + 0x2000));               // outside the range
        atc.Insert(E(P1, Base - 0x20_0000, 21));        // a 2 MiB entry ending just below the range

        var found = new List<AtcEntry>();
        atc.DumpOverlapping(found, P1, Base, Base + 0x2000);

        Assert.Equal(2, found.Count); // P1's page and the global page, nothing else
        Assert.Equal((P1, Base, false), (found[0].Pasid, found[0].Va, found[0].Global)); // oldest first
        Assert.Equal((P2, Base + 0x1000, true), (found[1].Pasid, found[1].Va, found[1].Global)); // the global entry counts for every PASID
    }

    [Fact]
    public void Equals_the_filtered_full_dump_for_random_contents_and_ranges()
    {
        const int seed = 1107;
        var rng = new Random(seed);
        // A small cache, so sets collide, entries are evicted and page ranges exceed the set count.
        var atc = new Atc(entries: 64, ways: 4, rangedEntries: 8);
        uint[] pasids = [P1, P2, AtcEntry.NoPasid];
        for (int i = 0; i < 400; i++)
        {
            uint pasid = pasids[rng.Next(pasids.Length)];
            bool global = pasid != AtcEntry.NoPasid && rng.Next(8) == 0;
            int sizeLog2 = rng.Next(6) == 0 ? rng.Next(13, 22) : 12;
            ulong va = (Base + ((ulong)rng.Next(0, 1 << 10) << 12)) & ~((1UL << sizeLog2) - 1);
            atc.Insert(E(pasid, va, sizeLog2, global));
            if (rng.Next(10) == 0)
            {
                atc.Invalidate(pasid, va, 12 + rng.Next(0, 4), global);
            }
        }

        var found = new List<AtcEntry>();
        for (int q = 0; q < 500; q++)
        {
            uint pasid = pasids[rng.Next(pasids.Length)];
            ulong start = Base + ((ulong)rng.Next(0, 1 << 10) << 12) + (ulong)rng.Next(0, 4096);
            ulong end = rng.Next(4) switch
            {
                0 => start + 1,                                 // one byte
                1 => start + ((ulong)rng.Next(1, 8) << 12),     // a few pages: the probing path
                2 => start + ((ulong)rng.Next(16, 512) << 12),  // more pages than sets: the scan
                _ => ulong.MaxValue,                            // to the top
            };
            found.Clear();
            atc.DumpOverlapping(found, pasid, start, end);
            var expected = Reference(atc, pasid, start, end);
            Assert.True(expected.SequenceEqual(found),
                $"seed {seed}, query {q}: pasid {pasid:x} [{start:x}, {end:x}) listed {found.Count} entries, the filtered dump {expected.Count}"); // same entries, same order
        }
    }
}

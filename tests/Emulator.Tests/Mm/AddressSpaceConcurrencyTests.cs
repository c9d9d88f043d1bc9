using Emulator.Core;
using Emulator.Core.Memory;
using Emulator.Core.Mm;
using Emulator.Core.Notifiers;
using Emulator.Core.Paging;
using Emulator.Tests.Support;

namespace Emulator.Tests.Mm;

/// <summary>
/// Seeded stress with real threads against one address space. Iteration counts are bounded (each test
/// runs well under two seconds); threads start together on a barrier and hand over with events, never
/// with sleeps. Every assertion message carries the seed. Scheduling is not reproducible, so a seed
/// replays the operations each thread issues, not their interleaving.
/// </summary>
public class AddressSpaceConcurrencyTests
{
    private const ulong DefaultSeed = 0xC0FFEE;

    private static ulong Seed() => AddressSpacePropertyTests.SeedFromEnvironment("MM_STRESS_SEED", DefaultSeed);

    private const MapFlags FixedPrivate = MapFlags.Private | MapFlags.Anonymous | MapFlags.Fixed;

    // ---- faulting writers against munmap/mmap of other ranges ------------------------------------

    /// <summary>
    /// Two threads demand-fault and write their own pages while a third maps, writes, unmaps,
    /// reprotects and drops other ranges — some in the writers' own leaf table, so that table must
    /// never be freed under them — and migrates the writers' pages and a sentinel run nobody writes.
    /// Each writer keeps a shadow of its pages.
    /// </summary>
    [Fact]
    public void Faulting_writers_racing_munmap_and_mmap_of_other_ranges_lose_nothing_and_leak_nothing()
    {
        ulong seed = Seed();
        AddressSpacePropertyTests.DebugAsserts.ThrowInsteadOfFailFast();
        var (machine, mm) = TestMachines.NewProcess(ramSize: 16UL << 20);
        // One 2 MiB leaf table holds the writers' pages, a sentinel run and the first churn range; the
        // second churn range has tables of its own, freed and rebuilt as it empties and fills.
        const ulong leafTable = 0x4000_0000;
        const int writerPages = 24, sentinelPages = 8, churnPages = 32;
        ulong[] writerBase = [leafTable, leafTable + writerPages * Page.Size];
        ulong sentinel = leafTable + 2 * writerPages * Page.Size;
        ulong[] churn = [sentinel + sentinelPages * Page.Size, leafTable + Page.LargeSize];
        foreach (ulong b in writerBase)
        {
            Assert.Equal(Errno.Ok, mm.Mmap(b, writerPages * Page.Size, Protection.ReadWrite, FixedPrivate, out _));
        }
        Assert.Equal(Errno.Ok, mm.Mmap(sentinel, sentinelPages * Page.Size, Protection.ReadWrite, FixedPrivate, out _));
        var sentinelData = new byte[sentinelPages * Page.Size];
        new Random((int)seed).NextBytes(sentinelData);
        Assert.Equal(Errno.Ok, mm.WriteUser(sentinel, sentinelData, out _));

        // Each side runs its minimum and then until the other is done too (both bounded), so they overlap.
        const int writes = 2000, writesMax = 200_000, churnOpsMin = 500, churnOpsMax = 20_000;
        var shadows = new byte[2][];
        int writersDone = 0, churnOps = 0;
        using var start = new Barrier(3);

        Task Writer(int id) => Task.Run(() =>
        {
            var rng = new Random((int)seed + 1 + id);
            var shadow = shadows[id] = new byte[writerPages * Page.Size];
            var word = new byte[8];
            start.SignalAndWait();
            for (int i = 0; i < writesMax && (i < writes || Volatile.Read(ref churnOps) < churnOpsMin); i++)
            {
                int offset = rng.Next(shadow.Length / 8) * 8;
                BitConverter.TryWriteBytes(word, ((ulong)id << 56) | ((ulong)i << 24) | (uint)offset);
                Assert.Equal(Errno.Ok, mm.WriteUser(writerBase[id] + (ulong)offset, word, out _));
                word.CopyTo(shadow, offset);
                if (i % 64 == 0)
                {
                    // Read a whole page back: it holds exactly this writer's stores, whatever the churn did.
                    int page = rng.Next(writerPages);
                    var got = new byte[Page.Size];
                    Assert.Equal(Errno.Ok, mm.ReadUser(writerBase[id] + (ulong)page * Page.Size, got, out _));
                    Assert.True(got.AsSpan().SequenceEqual(shadow.AsSpan(page * Page.Size, Page.Size)),
                        $"seed {seed}: writer {id} page {page} differs from its shadow after {i} writes");
                }
            }
            Interlocked.Increment(ref writersDone);
        });

        var churner = Task.Run(() =>
        {
            var rng = new Random((int)seed);
            var data = new byte[3 * Page.Size];
            start.SignalAndWait();
            while (churnOps < churnOpsMax && (churnOps < churnOpsMin || Volatile.Read(ref writersDone) < 2))
            {
                Interlocked.Increment(ref churnOps);
                ulong b = churn[rng.Next(churn.Length)];
                ulong va = b + (ulong)rng.Next(churnPages) * Page.Size;
                ulong length = (ulong)rng.Next(1, 9) * Page.Size;
                switch (rng.Next(6))
                {
                    case 0:
                    case 1:
                        Assert.Equal(Errno.Ok, mm.Mmap(va, length, Protection.ReadWrite, FixedPrivate, out _));
                        rng.NextBytes(data);
                        Assert.Equal(Errno.Ok, mm.WriteUser(va, data.AsSpan(0, (int)Math.Min(length, (ulong)data.Length)), out _));
                        break;
                    case 2:
                        Assert.Equal(Errno.Ok, mm.Munmap(va, length));
                        break;
                    case 3:
                        mm.Mprotect(va, length, rng.Next(2) == 0 ? Protection.Read : Protection.ReadWrite);
                        break;
                    case 4:
                        mm.Madvise(va, length, Advice.DontNeed);
                        break;
                    default:
                        // Migrate the writers' pages under them (their stores must land in the new frames)
                        // and the sentinel run (moving a frame must not change what it holds).
                        ulong[] targets = [writerBase[0], writerBase[1], sentinel];
                        ulong target = targets[rng.Next(targets.Length)];
                        mm.Migrate(target + (ulong)rng.Next(target == sentinel ? sentinelPages : writerPages) * Page.Size, length, out _, out _);
                        break;
                }
            }
        });

        var w0 = Writer(0);
        var w1 = Writer(1);
        Gate.Join(w0);
        Gate.Join(w1);
        Gate.Join(churner);

        for (int id = 0; id < 2; id++)
        {
            var got = new byte[writerPages * Page.Size];
            Assert.Equal(Errno.Ok, mm.ReadUser(writerBase[id], got, out _));
            Assert.True(got.AsSpan().SequenceEqual(shadows[id]), $"seed {seed}: writer {id}'s pages differ from its shadow at the end");
        }
        var sentinelNow = new byte[sentinelData.Length];
        Assert.Equal(Errno.Ok, mm.ReadUser(sentinel, sentinelNow, out _));
        Assert.True(sentinelNow.AsSpan().SequenceEqual(sentinelData), $"seed {seed}: pages nobody touched changed");
        mm.Exit();
        Assert.True(machine.Frames.AllocatedFrames == 0, $"seed {seed}: {machine.Frames.AllocatedFrames} frames leaked ({churnOps} churn operations)");
    }

    // ---- a device with a secondary TLB, filled under the interval-notifier protocol --------------

    /// <summary>
    /// A device's translation cache, as the SVA layer will build it: entries (va page → frame
    /// lifetime) are filled only after a page walk re-validated with ReadBegin/ReadRetry on an
    /// interval notifier, and dropped in ArchInvalidateSecondaryTlbs, like an IOTLB invalidation.
    /// </summary>
    private sealed class FakeIotlb : MmuNotifierOps, IMmuIntervalNotifierOps
    {
        private readonly FrameAllocator _frames;

        /// <summary>Guards <see cref="_entries"/> and the interval's seq (SetSeq and ReadRetry run under it), like a driver's IOTLB lock.</summary>
        private readonly Lock _lock = new();
        private readonly Dictionary<ulong, (ulong Pfn, uint Gen)> _entries = [];

        /// <summary>Entries the cache holds; a fill beyond it evicts one, so the device keeps walking.</summary>
        private const int Capacity = 8;

        public FakeIotlb(FrameAllocator frames, bool forgetInvalidations)
        {
            _frames = frames;
            ForgetInvalidations = forgetInvalidations;
        }

        /// <summary>The negative control: the invalidation returns without dropping anything.</summary>
        public bool ForgetInvalidations { get; }

        public long Hits, Fills, Retries, StaleUses, BadFills;
        public string? FirstStale;

        public bool Invalidate(MmuIntervalNotifier subscription, in MmuNotifierRange range, ulong curSeq)
        {
            lock (_lock)
            {
                MmuIntervalNotifier.SetSeq(subscription, curSeq);
            }
            return true;
        }

        public override void ArchInvalidateSecondaryTlbs(MmuNotifier subscription, IMmuNotifierMm mm, ulong start, ulong end)
        {
            if (ForgetInvalidations)
            {
                return;
            }
            lock (_lock)
            {
                // The range may be widened far beyond the window (to reach freed page tables): walk the
                // entries, not the range.
                foreach (var (va, t) in _entries)
                {
                    if (va >= start && va < end)
                    {
                        // Dropping is the last moment the device may still be using the entry: its frame must be live.
                        CheckLive(va, t);
                        _entries.Remove(va);
                    }
                }
            }
        }

        private void CheckLive(ulong va, (ulong Pfn, uint Gen) t)
        {
            if (!_frames.IsLive(t.Pfn, t.Gen))
            {
                StaleUses++;
                FirstStale ??= $"va {va:x} -> frame {t.Pfn:x} generation {t.Gen}, now {_frames.Generation(t.Pfn)} (refcount {_frames.RefCount(t.Pfn)})";
            }
        }

        /// <summary>A DMA through the cache: true on a hit. The entry is checked while it is in the
        /// cache (under the lock the invalidation needs to drop it), so a stale use is one the protocol allowed.</summary>
        public bool TryUse(ulong va)
        {
            lock (_lock)
            {
                if (!_entries.TryGetValue(va, out var t))
                {
                    return false;
                }
                Hits++;
                CheckLive(va, t);
                return true;
            }
        }

        /// <summary>A miss: walk the page tables (as the SMMU does for SVA) and cache the result unless
        /// an invalidation of the interval ran meanwhile.</summary>
        public void Fill(Machine machine, AddressSpace mm, MmuIntervalNotifier interval, ulong va)
        {
            ulong seq = MmuNotifierSubscriptions.ReadBegin(interval);
            var walk = PageWalker.Walk(machine.Memory, mm.RootPa, mm.Mode, va, AccessType.User, WalkOptions.Default);
            if (!walk.IsOk)
            {
                return; // not present: a real device would raise a page request
            }
            ulong pfn = walk.Translation.PhysicalAddress >> Page.Shift;
            bool inRam = pfn < machine.Memory.FrameCount;
            uint gen = inRam ? _frames.Generation(pfn) : 0;
            lock (_lock)
            {
                if (MmuNotifierSubscriptions.ReadRetry(interval, seq))
                {
                    Retries++;
                    return;
                }
                if (!inRam || _frames.RefCount(pfn) == 0)
                {
                    BadFills++; // a validated walk must translate to a live frame
                    return;
                }
                if (_entries.Count >= Capacity)
                {
                    foreach (ulong victim in _entries.Keys)
                    {
                        _entries.Remove(victim);
                        break;
                    }
                }
                if (_entries.TryAdd(va, (pfn, gen)))
                {
                    Fills++;
                }
            }
        }

        /// <summary>Uses every cached entry once (a final DMA sweep).</summary>
        public int Sweep()
        {
            ulong[] vas;
            lock (_lock)
            {
                vas = [.. _entries.Keys];
            }
            foreach (ulong va in vas)
            {
                TryUse(va);
            }
            return vas.Length;
        }
    }

    /// <summary>Runs a device thread translating and using window addresses through a <see cref="FakeIotlb"/>
    /// while this thread churns the mm; returns the cache for the caller's verdict.</summary>
    private static (FakeIotlb Iotlb, long Leaked, int SweptEntries) RunDeviceAgainstChurn(ulong seed, bool forgetInvalidations)
    {
        AddressSpacePropertyTests.DebugAsserts.ThrowInsteadOfFailFast();
        var (machine, mm) = TestMachines.NewProcess(ramSize: 16UL << 20);
        const int pages = 32;
        ulong window = 0x4000_0000 - 8 * Page.Size; // straddles a 1 GiB boundary: two leaf tables
        Assert.Equal(Errno.Ok, mm.Mmap(window, pages * Page.Size, Protection.ReadWrite, FixedPrivate | MapFlags.Populate, out _));

        var iotlb = new FakeIotlb(machine.Frames, forgetInvalidations);
        Assert.Equal(Errno.Ok, MmuNotifierSubscriptions.Register(new MmuNotifier(iotlb), mm));
        var interval = new MmuIntervalNotifier(iotlb);
        Assert.Equal(Errno.Ok, MmuNotifierSubscriptions.Insert(interval, mm, window, pages * Page.Size));

        const int deviceOpsMax = 5_000_000, churnOps = 6000;
        using var warmed = new ManualResetEventSlim();
        int churnDone = 0;
        var device = Task.Run(() =>
        {
            var rng = new Random((int)seed + 1);
            // Run for as long as the churn does (bounded, in case the churn never starts).
            for (int i = 0; i < deviceOpsMax && Volatile.Read(ref churnDone) == 0; i++)
            {
                ulong va = window + (ulong)rng.Next(pages) * Page.Size;
                if (!iotlb.TryUse(va))
                {
                    iotlb.Fill(machine, mm, interval, va);
                }
                if (!warmed.IsSet && iotlb.Fills >= pages && iotlb.Hits > 0)
                {
                    warmed.Set(); // the cache is full and in use: now the churn may start
                }
            }
        });

        // The churn starts only once the device holds translations, so that it has something to get wrong.
        Assert.True(warmed.Wait(TimeSpan.FromSeconds(20)), $"seed {seed}: the device never filled its cache");
        var rng = new Random((int)seed);
        var data = new byte[Page.Size];
        for (int i = 0; i < churnOps; i++)
        {
            ulong va = window + (ulong)rng.Next(pages) * Page.Size;
            ulong length = (ulong)rng.Next(1, 5) * Page.Size;
            switch (rng.Next(7))
            {
                case 0:
                    mm.Munmap(va, length);
                    break;
                case 1:
                    Assert.Equal(Errno.Ok, mm.Mmap(va, length, Protection.ReadWrite, FixedPrivate | MapFlags.Populate, out _));
                    break;
                case 2:
                    mm.Mprotect(va, length, rng.Next(3) == 0 ? Protection.None : Protection.Read);
                    mm.Mprotect(va, length, Protection.ReadWrite);
                    break;
                case 3:
                    mm.Madvise(va, length, Advice.DontNeed);
                    break;
                case 4:
                    mm.Migrate(va, length, out _, out _);
                    break;
                case 5:
                    // Move pages elsewhere in the window (EFAULT/EINVAL when the old range is not one mapping or overlaps).
                    mm.Mremap(va, length, length, MremapFlags.MayMove | MremapFlags.Fixed, window + (ulong)rng.Next(pages) * Page.Size, out _);
                    break;
                default:
                    rng.NextBytes(data);
                    mm.WriteUser(va, data, out _); // faults pages back in (EFAULT where unmapped)
                    break;
            }
        }
        // Finally every cached translation must lose its frame: a forgetful cache now holds only stale entries.
        mm.Munmap(window, pages * Page.Size);
        Volatile.Write(ref churnDone, 1);
        Gate.Join(device);
        int swept = iotlb.Sweep();

        MmuNotifierSubscriptions.Remove(interval);
        mm.Exit();
        return (iotlb, machine.Frames.AllocatedFrames, swept);
    }

    [Fact]
    public void Device_tlb_filled_under_read_retry_and_dropped_on_secondary_invalidation_never_uses_a_freed_frame()
    {
        ulong seed = Seed();
        var (iotlb, leaked, swept) = RunDeviceAgainstChurn(seed, forgetInvalidations: false);
        string counts = $"seed {seed}: hits {iotlb.Hits}, fills {iotlb.Fills}, retries {iotlb.Retries}, swept {swept}";

        Assert.True(iotlb.StaleUses == 0, $"{counts}: {iotlb.StaleUses} uses of a freed frame, first {iotlb.FirstStale}");
        Assert.True(iotlb.BadFills == 0, $"{counts}: {iotlb.BadFills} validated walks translated to a free or non-RAM frame");
        Assert.True(swept == 0, $"{counts}: entries survived the munmap of the whole window"); // every translation was invalidated
        Assert.True(iotlb.Hits > 0 && iotlb.Fills > 0, $"{counts}: the device did not exercise its cache");
        Assert.True(leaked == 0, $"{counts}: {leaked} frames leaked");
    }

    [Fact]
    public void Device_tlb_that_ignores_secondary_invalidations_uses_freed_frames_negative_control()
    {
        ulong seed = Seed();
        var (iotlb, leaked, swept) = RunDeviceAgainstChurn(seed, forgetInvalidations: true);
        string counts = $"seed {seed}: hits {iotlb.Hits}, fills {iotlb.Fills}, retries {iotlb.Retries}, swept {swept}";

        // The oracle can fail: without the drop, cached translations outlive their frames.
        Assert.True(iotlb.StaleUses > 0, $"{counts}: no stale use detected although no entry was ever dropped");
        Assert.True(leaked == 0, $"{counts}: {leaked} frames leaked");
    }

    // ---- fork racing a writer ----------------------------------------------------------------------

    private const int ForkPages = 32;
    private const int WordsPerPage = Page.Size / 8;

    /// <summary>Word <paramref name="word"/> of page <paramref name="page"/> as written in <paramref name="round"/>.</summary>
    private static ulong Tag(int page, int word, uint round) => ((ulong)page << 48) | ((ulong)word << 32) | round;

    /// <summary>
    /// A writer rewrites every page, one whole-page store at a time, round after round, while the main
    /// thread forks. Each child must hold a consistent cut of the writer's progress: every word is an
    /// untorn tag of its own page and word, every page is entirely one round, pages already rewritten
    /// in the current round precede the others, and the rounds lie between those completed before the
    /// fork and those begun after it. Children keep their snapshot while the parent moves on
    /// (copy-on-write), and the parent's final data is the last round.
    /// </summary>
    [Fact]
    public void Fork_racing_a_writer_gives_children_a_consistent_untorn_snapshot_and_keeps_the_parent_intact()
    {
        ulong seed = Seed();
        AddressSpacePropertyTests.DebugAsserts.ThrowInsteadOfFailFast();
        var (machine, mm) = TestMachines.NewProcess(ramSize: 32UL << 20);
        ulong region = 0x4000_0000 - 8 * Page.Size;
        Assert.Equal(Errno.Ok, mm.Mmap(region, ForkPages * Page.Size, Protection.ReadWrite, FixedPrivate, out _));
        var page = new byte[Page.Size];
        for (int p = 0; p < ForkPages; p++)
        {
            FillPage(page, p, 0);
            Assert.Equal(Errno.Ok, mm.WriteUser(region + (ulong)p * Page.Size, page, out _));
        }

        const int forks = 30;
        const uint maxRounds = 200_000;
        long roundsStarted = 0, roundsCompleted = 0;
        int forksDone = 0;
        using var writing = new ManualResetEventSlim();
        var writer = Task.Run(() =>
        {
            var buffer = new byte[Page.Size];
            for (uint r = 1; r <= maxRounds && Volatile.Read(ref forksDone) == 0; r++)
            {
                Interlocked.Exchange(ref roundsStarted, r);
                for (int p = 0; p < ForkPages; p++)
                {
                    FillPage(buffer, p, r);
                    Assert.Equal(Errno.Ok, mm.WriteUser(region + (ulong)p * Page.Size, buffer, out _));
                }
                Interlocked.Exchange(ref roundsCompleted, r);
                writing.Set();
            }
        });

        var rng = new Random((int)seed);
        (AddressSpace Mm, uint[] Rounds)? previous = null;
        Assert.True(writing.Wait(TimeSpan.FromSeconds(20)), $"seed {seed}: the writer never completed a round"); // fork only while it writes
        for (int f = 0; f < forks; f++)
        {
            long before = Interlocked.Read(ref roundsCompleted);
            Assert.Equal(Errno.Ok, mm.Fork(out var child));
            long after = Interlocked.Read(ref roundsStarted);
            var rounds = CheckSnapshot(child!, region, seed, f, before, after);
            if (previous is { } prev)
            {
                // The writer has moved on since: the older child still sees exactly its own snapshot.
                Assert.Equal(prev.Rounds, CheckSnapshot(prev.Mm, region, seed, f - 1, 0, uint.MaxValue));
                prev.Mm.Exit();
            }
            previous = (child!, rounds);
            if (rng.Next(4) == 0)
            {
                mm.Migrate(region, ForkPages * Page.Size, out _, out _); // only pages not shared with the child move
            }
        }
        Volatile.Write(ref forksDone, 1);
        Gate.Join(writer);
        previous!.Value.Mm.Exit();

        uint last = (uint)Interlocked.Read(ref roundsCompleted);
        var got = new byte[Page.Size];
        for (int p = 0; p < ForkPages; p++)
        {
            Assert.Equal(Errno.Ok, mm.ReadUser(region + (ulong)p * Page.Size, got, out _));
            FillPage(page, p, last);
            Assert.True(got.AsSpan().SequenceEqual(page), $"seed {seed}: parent page {p} is not round {last} at the end");
        }
        mm.Exit();
        Assert.True(machine.Frames.AllocatedFrames == 0, $"seed {seed}: {machine.Frames.AllocatedFrames} frames leaked");
    }

    private static void FillPage(byte[] page, int p, uint round)
    {
        for (int w = 0; w < WordsPerPage; w++)
        {
            BitConverter.TryWriteBytes(page.AsSpan(w * 8), Tag(p, w, round));
        }
    }

    /// <summary>Reads a child's region and checks it is a consistent cut; returns each page's round.</summary>
    private static uint[] CheckSnapshot(AddressSpace child, ulong region, ulong seed, int fork, long minRound, long maxRound)
    {
        var data = new byte[ForkPages * Page.Size];
        Assert.Equal(Errno.Ok, child.ReadUser(region, data, out _));
        var rounds = new uint[ForkPages];
        for (int p = 0; p < ForkPages; p++)
        {
            for (int w = 0; w < WordsPerPage; w++)
            {
                ulong tag = BitConverter.ToUInt64(data, p * Page.Size + w * 8);
                uint round = (uint)tag;
                Assert.True(tag == Tag(p, w, round), $"seed {seed} fork {fork}: page {p} word {w} is torn or misplaced: {tag:x16}");
                if (w == 0)
                {
                    rounds[p] = round;
                }
                Assert.True(round == rounds[p], $"seed {seed} fork {fork}: page {p} mixes rounds {rounds[p]} and {round} (a store was split by fork)");
            }
            Assert.True(rounds[p] >= minRound && rounds[p] <= maxRound,
                $"seed {seed} fork {fork}: page {p} is round {rounds[p]}, outside [{minRound}, {maxRound}]");
            Assert.True(p == 0 || rounds[p] == rounds[p - 1] || rounds[p] + 1 == rounds[p - 1],
                $"seed {seed} fork {fork}: rounds [{string.Join(",", rounds.Take(p + 1))}] are not a point in the writer's progress");
        }
        Assert.True(rounds[0] - rounds[ForkPages - 1] <= 1, $"seed {seed} fork {fork}: rounds [{string.Join(",", rounds)}] span more than one round");
        return rounds;
    }
}

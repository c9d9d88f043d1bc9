using Emulator.Core;
using Emulator.Core.Memory;
using Emulator.Core.Mm;
using Emulator.Core.Notifiers;
using Emulator.Core.Threading;
using Emulator.Tests.Support;

namespace Emulator.Tests.Notifiers;

public class MmuNotifierTests
{
    [Fact]
    public void Munmap_of_populated_pages_calls_start_secondary_end_in_order()
    {
        var (_, mm) = TestMachines.NewProcess();
        ulong va = TestMachines.MapTouched(mm, 8) + 2 * Page.Size; // the middle: its page table stays in use
        var ops = new HookOps();
        Assert.Equal(Errno.Ok, MmuNotifierSubscriptions.Register(new MmuNotifier(ops), mm));

        Assert.Equal(Errno.Ok, mm.Munmap(va, 4 * Page.Size));

        // The device-visible contract: start, then secondary TLBs, then end, all for exactly the range.
        string r = $"{va:x}-{va + 4 * Page.Size:x}";
        Assert.Equal([$"start {r} Unmap", $"secondary {r}", $"end {r} Unmap"], ops.Snapshot());
    }

    [Fact]
    public void Freeing_a_page_table_widens_the_secondary_invalidation_to_reach_it()
    {
        var (_, mm) = TestMachines.NewProcess();
        ulong va = TestMachines.MapTouched(mm, 1, at: 0x40_0012_3000); // alone in its 1 GiB region
        var ops = new HookOps();
        MmuNotifierSubscriptions.Register(new MmuNotifier(ops), mm);

        mm.Munmap(va, Page.Size);

        var log = ops.Snapshot();
        Assert.Equal($"start {va:x}-{va + Page.Size:x} Unmap", log[0]); // the range is the unmapped page
        // The freed tables were at the bases of their spans (2 MiB, 1 GiB, 512 GiB regions): the
        // invalidation reaches down to the lowest of them, so a walk cache holding any is dropped.
        Assert.Equal($"secondary 0-{va + Page.Size:x}", log[1]);
        Assert.Equal($"end {va:x}-{va + Page.Size:x} Unmap", log[2]);
    }

    [Fact]
    public void Frames_are_freed_only_after_the_secondary_tlb_invalidation_returns()
    {
        var (machine, mm) = TestMachines.NewProcess();
        ulong va = TestMachines.MapTouched(mm, 2);
        ulong pfn = mm.LeafEntry(va).Pfn;
        uint gen = machine.Frames.Generation(pfn);
        var seen = new List<(string, bool)>();
        var ops = new HookOps
        {
            OnSecondary = (_, _, _) => seen.Add(("secondary", machine.Frames.IsLive(pfn, gen))),
            OnEnd = (_, _) => seen.Add(("end", machine.Frames.IsLive(pfn, gen))),
        };
        MmuNotifierSubscriptions.Register(new MmuNotifier(ops), mm);

        mm.Munmap(va, 2 * Page.Size);

        // While the subscriber invalidates, and still at range end, the frame is live (same generation).
        Assert.Equal([("secondary", true), ("end", true)], seen);
        // After munmap returns it is freed: its generation moved on.
        Assert.False(machine.Frames.IsLive(pfn, gen));
    }

    [Fact]
    public void Get_returns_one_subscription_per_ops_and_mm_and_counts_references()
    {
        var (_, mm) = TestMachines.NewProcess();
        var ops = new HookOps();
        object? seenPriv = null;
        ops.OnAlloc = (_, priv) => { seenPriv = priv; return new MmuNotifier(ops); };

        Assert.Equal(Errno.Ok, MmuNotifierSubscriptions.Get(ops, mm, "ctx", out var a));
        Assert.Equal(Errno.Ok, MmuNotifierSubscriptions.Get(ops, mm, "other", out var b));

        Assert.Same(a, b); // keyed by (ops, mm)
        Assert.Equal("ctx", seenPriv); // priv reaches AllocNotifier on creation only
        Assert.Equal(1, mm.Notifiers.Count);

        MmuNotifierSubscriptions.Put(a!);
        mm.Notifiers.Synchronize();
        Assert.Equal(0, ops.Frees); // one reference left
        Assert.Equal(1, mm.Notifiers.Count);

        MmuNotifierSubscriptions.Put(b!);
        mm.Notifiers.Synchronize();
        Assert.Equal(1, ops.Frees); // the last put frees, after a grace period
        Assert.True(a!.IsFreed);
        Assert.Equal(0, mm.Notifiers.Count);
        Assert.Equal(0, ops.Releases); // put does not call release
    }

    [Fact]
    public void Get_with_other_ops_creates_a_second_subscription()
    {
        var (_, mm) = TestMachines.NewProcess();
        MmuNotifierSubscriptions.Get(new HookOps(), mm, null, out var a);
        MmuNotifierSubscriptions.Get(new HookOps(), mm, null, out var b);
        Assert.NotSame(a, b);
        Assert.Equal(2, mm.Notifiers.Count);
    }

    [Fact]
    public void Get_and_register_fail_with_esrch_after_exit()
    {
        var (_, mm) = TestMachines.NewProcess();
        mm.Exit();
        Assert.Equal(Errno.ESRCH, MmuNotifierSubscriptions.Get(new HookOps(), mm, null, out var sub));
        Assert.Null(sub);
        Assert.Equal(Errno.ESRCH, MmuNotifierSubscriptions.Register(new MmuNotifier(new HookOps()), mm));
    }

    [Fact]
    public void AllocNotifier_returning_null_is_enomem()
    {
        var (_, mm) = TestMachines.NewProcess();
        var ops = new HookOps { OnAlloc = (_, _) => null };
        Assert.Equal(Errno.ENOMEM, MmuNotifierSubscriptions.Get(ops, mm, null, out _));
        Assert.Equal(0, mm.Notifiers.Count);
    }

    [Fact]
    public void Exit_releases_each_subscription_once_and_no_callback_follows()
    {
        var (_, mm) = TestMachines.NewProcess();
        TestMachines.MapTouched(mm, 3);
        var ops = new HookOps();
        MmuNotifierSubscriptions.Register(new MmuNotifier(ops), mm);
        MmuNotifierSubscriptions.Register(new MmuNotifier(ops), mm);

        mm.Exit();

        Assert.Equal(2, ops.Releases);
        // Release comes before teardown, and the teardown's invalidations reach nobody: the list is empty.
        Assert.All(ops.Snapshot(), e => Assert.Equal("release", e));
        Assert.Equal(0, mm.Notifiers.Count);
    }

    [Fact]
    public void Unregister_runs_release_once_and_not_again_on_exit()
    {
        var (_, mm) = TestMachines.NewProcess();
        var ops = new HookOps();
        var sub = new MmuNotifier(ops);
        MmuNotifierSubscriptions.Register(sub, mm);

        MmuNotifierSubscriptions.Unregister(sub);
        mm.Exit();

        Assert.Equal(1, ops.Releases);
        Assert.True(sub.IsReleased);
    }

    [Fact]
    public void Unregister_after_exit_does_not_call_release_twice()
    {
        var (_, mm) = TestMachines.NewProcess();
        var ops = new HookOps();
        var sub = new MmuNotifier(ops);
        MmuNotifierSubscriptions.Register(sub, mm);
        mm.Exit();

        MmuNotifierSubscriptions.Unregister(sub);

        Assert.Equal(1, ops.Releases);
    }

    [Fact]
    public void Unregister_from_a_callback_is_refused_instead_of_deadlocking()
    {
        var (_, mm) = TestMachines.NewProcess();
        ulong va = TestMachines.MapTouched(mm, 1);
        var ops = new HookOps();
        var sub = new MmuNotifier(ops);
        Exception? thrown = null;
        ops.OnStart = (s, _) =>
        {
            thrown = Record.Exception(() => MmuNotifierSubscriptions.Unregister(s));
            return Errno.Ok;
        };
        MmuNotifierSubscriptions.Register(sub, mm);

        mm.Munmap(va, Page.Size);

        Assert.IsType<LockOrderException>(thrown); // it would wait for its own grace period
    }

    [Fact]
    public void Nonblockable_try_again_unwinds_the_subscribers_already_started()
    {
        var (_, mm) = TestMachines.NewProcess();
        var first = new HookOps();
        var refusing = new HookOps { OnStart = (_, _) => Errno.EAGAIN };
        var last = new HookOps();
        MmuNotifierSubscriptions.Register(new MmuNotifier(first), mm);
        MmuNotifierSubscriptions.Register(new MmuNotifier(refusing), mm);
        MmuNotifierSubscriptions.Register(new MmuNotifier(last), mm);
        var interval = new SeqRecordingIntervalOps();
        MmuNotifierSubscriptions.Insert(new MmuIntervalNotifier(interval), mm, 0x10000, Page.Size);
        var range = new MmuNotifierRange(mm, 0x10000, 0x11000, MmuNotifierEvent.Clear, MmuNotifierRangeFlags.None);

        Errno r;
        using (mm.MmapLock.Enter())
        {
            r = mm.Notifiers.InvalidateRangeStart(range);
        }

        Assert.Equal(Errno.EAGAIN, r);
        Assert.Equal(["start 10000-11000 Clear", "end 10000-11000 Clear"], first.Snapshot()); // started, so ended
        Assert.Equal(["start 10000-11000 Clear"], refusing.Snapshot()); // refused: no end
        Assert.Empty(last.Snapshot()); // never started
        Assert.Equal(0UL, mm.Notifiers.InvalidateSeq & 1); // the interval invalidation was ended too
    }

    [Fact]
    public void Try_again_for_a_blockable_range_is_a_bug_that_throws()
    {
        var (_, mm) = TestMachines.NewProcess();
        MmuNotifierSubscriptions.Register(new MmuNotifier(new HookOps { OnStart = (_, _) => Errno.EAGAIN }), mm);
        var range = new MmuNotifierRange(mm, 0x10000, 0x11000, MmuNotifierEvent.Clear);
        using (mm.MmapLock.Enter())
        {
            Assert.Throws<InvalidOperationException>(() => mm.Notifiers.InvalidateRangeStart(range));
        }
    }

    [Fact]
    public void Young_callbacks_are_dispatched_by_page_aging()
    {
        var (_, mm) = TestMachines.NewProcess();
        ulong va = TestMachines.MapTouched(mm, 2);
        var ops = new YoungOps();
        MmuNotifierSubscriptions.Register(new MmuNotifier(ops), mm);

        int young = mm.AgeRange(va, va + 2 * Page.Size);

        Assert.Equal(3, young); // two CPU-young pages (touched) + the subscriber reporting young
        Assert.Equal(1, ops.ClearFlush);
        Assert.False(mm.LeafEntry(va).Accessed); // the CPU Accessed bit was cleared
        Assert.True(mm.IsYoung(va)); // the secondary MMU still says young
        Assert.Equal(1, ops.Tests);
        mm.AgeRange(va, va + Page.Size, flush: false);
        Assert.Equal(1, ops.Clear);
    }

    private sealed class YoungOps : MmuNotifierOps
    {
        public int ClearFlush, Clear, Tests;
        public override bool ClearFlushYoung(MmuNotifier s, IMmuNotifierMm mm, ulong start, ulong end) { ClearFlush++; return true; }
        public override bool ClearYoung(MmuNotifier s, IMmuNotifierMm mm, ulong start, ulong end) { Clear++; return false; }
        public override bool TestYoung(MmuNotifier s, IMmuNotifierMm mm, ulong address) { Tests++; return true; }
    }
}

/// <summary>Interval ops that record the seq and ranges they were given.</summary>
internal sealed class SeqRecordingIntervalOps : IMmuIntervalNotifierOps
{
    public readonly List<(ulong Start, ulong End, ulong Seq)> Calls = [];
    public Func<MmuIntervalNotifier, MmuNotifierRange, bool>? Hook;

    public bool Invalidate(MmuIntervalNotifier subscription, in MmuNotifierRange range, ulong curSeq)
    {
        lock (Calls)
        {
            Calls.Add((range.Start, range.End, curSeq));
        }
        MmuIntervalNotifier.SetSeq(subscription, curSeq);
        return Hook?.Invoke(subscription, range) ?? true;
    }
}

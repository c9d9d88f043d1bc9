using Emulator.Core;
using Emulator.Core.Memory;
using Emulator.Core.Notifiers;

namespace Emulator.Cli.Bench;

/// <summary>
/// <c>interval-dispatch-100k</c>: cost of one single-page invalidation (range start + end) on an mm
/// with 100,000 interval notifiers, one page each, 2 pages apart; each invalidation hits one of them,
/// whose callback records the sequence number as a driver would.
/// </summary>
internal sealed class IntervalDispatchBenchmark : Benchmark
{
    private const int Intervals = 100_000;
    private const ulong Base = 0x10_0000_0000;

    public override string Name => "interval-dispatch-100k";
    public override string Unit => "ns";
    public override double Target => 300;
    public override string Description => "single-page invalidation with 100,000 interval notifiers";

    public override BenchResult Run(bool quick)
    {
        var machine = new Machine(new MachineOptions { RamSize = 64UL << 20 });
        machine.CreateAddressSpace(out var mm);
        var ops = new SetSeqOps();
        for (int i = 0; i < Intervals; i++)
        {
            MmuNotifierSubscriptions.Insert(new MmuIntervalNotifier(ops), mm!, Base + (ulong)i * 2 * Page.Size, Page.Size);
        }
        var ranges = new MmuNotifierRange[4096];
        var rng = new Random(42);
        for (int i = 0; i < ranges.Length; i++)
        {
            ulong va = Base + (ulong)rng.Next(Intervals) * 2 * Page.Size;
            ranges[i] = new MmuNotifierRange(mm!, va, va + Page.Size, MmuNotifierEvent.Clear);
        }
        var subs = mm!.Notifiers;
        double rate;
        using (mm.MmapLock.Enter())
        {
            rate = BestRate(() =>
            {
                for (int i = 0; i < ranges.Length; i++)
                {
                    subs.InvalidateRangeStart(ranges[i]);
                    subs.InvalidateRangeEnd(ranges[i]);
                }
            }, ranges.Length, quick);
        }
        return Result(1e9 / rate, $"{ops.Calls} callbacks");
    }

    private sealed class SetSeqOps : IMmuIntervalNotifierOps
    {
        public long Calls;

        public bool Invalidate(MmuIntervalNotifier subscription, in MmuNotifierRange range, ulong curSeq)
        {
            MmuIntervalNotifier.SetSeq(subscription, curSeq);
            Calls++;
            return true;
        }
    }
}

using System.Diagnostics;
using Emulator.Core;
using Emulator.Core.Memory;
using Emulator.Core.Mm;
using Emulator.Core.Notifiers;

namespace Emulator.Cli.Bench;

/// <summary>
/// <c>munmap-1g-4subs</c>: munmap of 1 GiB of populated 4 KiB pages with 4 notifier subscribers, in
/// pages per second. Population is not timed; the munmap is — notifier calls, PTE clearing, the
/// secondary-TLB invalidation and freeing 262,144 frames and their page tables.
/// </summary>
internal sealed class MunmapBenchmark : Benchmark
{
    private const ulong Size = 1UL << 30;

    public override string Name => "munmap-1g-4subs";
    public override string Unit => "ops/s";
    public override double Target => 1e6;
    public override string Description => "munmap of 1 GiB populated with 4 subscribers (pages/s)";

    public override BenchResult Run(bool quick)
    {
        var machine = new Machine(new MachineOptions { RamSize = Size + (64UL << 20) });
        machine.CreateAddressSpace(out var mm);
        var ops = new CountingOps();
        for (int i = 0; i < 4; i++)
        {
            MmuNotifierSubscriptions.Register(new MmuNotifier(ops), mm!);
        }
        int rounds = quick ? 1 : 3;
        double best = 0;
        long frees = 0;
        for (int r = 0; r < rounds; r++)
        {
            var err = mm!.Mmap(0, Size, Protection.ReadWrite, MapFlags.Private | MapFlags.Anonymous | MapFlags.Populate, out ulong va);
            if (err != Errno.Ok)
            {
                throw new InvalidOperationException($"mmap for the benchmark failed: {err}");
            }
            long before = machine.Frames.AllocatedFrames;
            var sw = Stopwatch.StartNew();
            mm.Munmap(va, Size);
            sw.Stop();
            frees = before - machine.Frames.AllocatedFrames;
            best = Math.Max(best, (Size / Page.Size) / sw.Elapsed.TotalSeconds);
        }
        return Result(best, $"{frees} frames freed per munmap, {ops.Secondary} secondary-TLB calls");
    }

    private sealed class CountingOps : MmuNotifierOps
    {
        public long Starts, Secondary;

        public override Errno InvalidateRangeStart(MmuNotifier subscription, in MmuNotifierRange range)
        {
            Starts++;
            return Errno.Ok;
        }

        public override void ArchInvalidateSecondaryTlbs(MmuNotifier subscription, IMmuNotifierMm mm, ulong start, ulong end) => Secondary++;
    }
}

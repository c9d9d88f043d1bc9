using Emulator.Core.Memory;
using Emulator.Core.Paging;

namespace Emulator.Cli.Bench;

/// <summary>
/// <c>tlb-hit</c>: <see cref="Tlb.Lookup"/> hits on one thread, 64 resident 4 KiB pages (one per
/// set of the default 64 × 4 TLB), user reads with the access-rights check.
/// </summary>
internal sealed class TlbHitBenchmark : Benchmark
{
    private const int Pages = 64;
    private const ulong BaseVa = 0x7f00_0000_0000;

    public override string Name => "tlb-hit";
    public override string Unit => "ops/s";
    public override double Target => 100e6;
    public override string Description => "single-threaded TLB-hit lookups (64 resident pages)";

    public override BenchResult Run(bool quick)
    {
        var memory = new PhysicalMemory(16UL << 20);
        ulong root = PagingBenchTables.Build(memory, BaseVa, Pages);
        var tlb = new Tlb();
        for (int i = 0; i < Pages; i++)
        {
            ulong va = BaseVa + ((ulong)i << 12);
            var r = PageWalker.Walk(memory, root, PagingMode.FourLevel, va, AccessType.User, WalkOptions.Default);
            tlb.Insert(r.Translation, va, 0);
        }
        ulong sink = 0;
        double rate = BestRate(() =>
        {
            for (int n = 0; n < 16; n++)
            {
                for (int i = 0; i < Pages; i++)
                {
                    tlb.Lookup(BaseVa + ((ulong)i << 12) + 0x10, 0, AccessType.User, out ulong pa);
                    sink += pa;
                }
            }
        }, 16 * Pages, quick);
        Consume(sink);
        return Result(rate, $"hits {tlb.Hits}, misses {tlb.Misses}");
    }
}

using Emulator.Core.Memory;
using Emulator.Core.Paging;

namespace Emulator.Cli.Bench;

/// <summary>
/// <c>page-walk</c>: full 4-level walks of 4 KiB pages (PML4E → PDPTE → PDE → PTE, a user read,
/// Accessed already set so no compare-and-exchange), cycling through 4096 pages in 8 page tables.
/// </summary>
internal sealed class PageWalkBenchmark : Benchmark
{
    private const int Pages = 4096;
    private const ulong BaseVa = 0x7f00_0000_0000;

    public override string Name => "page-walk";
    public override string Unit => "ops/s";
    public override double Target => 5e6;
    public override string Description => "full 4-level page walks (4 KiB leaves, A already set)";

    public override BenchResult Run(bool quick)
    {
        var memory = new PhysicalMemory(64UL << 20);
        ulong root = PagingBenchTables.Build(memory, BaseVa, Pages);
        var options = WalkOptions.Default;
        // First pass sets A everywhere; the measured walks only read.
        for (int i = 0; i < Pages; i++)
        {
            PageWalker.Walk(memory, root, PagingMode.FourLevel, BaseVa + ((ulong)i << 12), AccessType.User, options);
        }
        ulong sink = 0;
        double rate = BestRate(() =>
        {
            for (int i = 0; i < Pages; i++)
            {
                var r = PageWalker.Walk(memory, root, PagingMode.FourLevel, BaseVa + ((ulong)i << 12) + 0x10, AccessType.User, options);
                sink += r.Translation.PhysicalAddress;
            }
        }, Pages, quick);
        Consume(sink);
        return Result(rate);
    }
}

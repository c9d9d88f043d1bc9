using Emulator.Core;
using Emulator.Core.Memory;
using Emulator.Core.Mm;
using Emulator.Core.Sva;

namespace Emulator.Cli.Bench;

/// <summary>
/// <c>e2e-invalidate-page</c>: single-page invalidations end to end with the sim backend — a PTE
/// change (madvise DONTNEED of one resident page) → the SVA notifier → the SMMU driver → the command
/// queue → the SMMU → an ATC invalidation at the device → CMD_SYNC completion. Each round re-faults
/// the page (not timed separately: the figure includes it, so it is conservative).
/// </summary>
internal sealed class E2eInvalidatePageBenchmark : Benchmark
{
    public override string Name => "e2e-invalidate-page";
    public override string Unit => "ops/s";
    public override double Target => 1e6;
    public override string Description => "single-page invalidation, PTE change to ATC, sim backend";

    public override BenchResult Run(bool quick)
    {
        var machine = new Machine(new MachineOptions { RamSize = 64UL << 20 });
        machine.CreateAddressSpace(out var mm);
        machine.AddDevice(1, ats: true, pri: true, pasidBits: 20, out var device);
        machine.Sva!.Bind(new SvaDevice(1, 20), mm!, out var bond);
        const int pages = 64;
        mm!.Mmap(0, pages * Page.Size, Protection.ReadWrite, MapFlags.Private | MapFlags.Anonymous | MapFlags.Populate, out ulong va);
        var buf = new byte[8];
        for (int i = 0; i < pages; i++)
        {
            device!.Read(bond!.Pasid, va + (ulong)i * Page.Size, buf); // the device caches every page
        }
        var driver = machine.SmmuDriver!;
        long cmds0 = driver.Stats.TotalCommands;
        long invalidations = 0;
        int next = 0;
        double rate = BestRate(() =>
        {
            for (int i = 0; i < 256; i++)
            {
                ulong page = va + (ulong)(next++ % pages) * Page.Size;
                mm.Madvise(page, Page.Size, Advice.DontNeed);
                mm.HandleFault(page, write: true); // make it resident again so the next round has work
            }
            invalidations += 256;
        }, 256, quick);
        double perInvalidation = (driver.Stats.TotalCommands - cmds0) / (double)invalidations;
        return Result(rate, $"{perInvalidation:0.##} commands per invalidation");
    }
}

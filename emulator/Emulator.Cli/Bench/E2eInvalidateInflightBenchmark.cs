using Emulator.Core;
using Emulator.Core.Memory;
using Emulator.Core.Mm;
using Emulator.Core.Pcie;
using Emulator.Core.Sva;

namespace Emulator.Cli.Bench;

/// <summary>
/// <c>e2e-invalidate-inflight</c>: single-page invalidations end to end (as <c>e2e-invalidate-page</c>:
/// madvise DONTNEED → notifier → SMMU driver → command queue → SMMU → ATC invalidation → CMD_SYNC)
/// while a DMA read through the page's translation is in flight: each invalidation must drain that
/// read (PCIe Base §10.3.1) before it completes. The detail gives the mean drain wait — the part of
/// an invalidation's latency spent completing the DMA — and checks that every invalidation drained
/// exactly one access and the oracle saw nothing stale.
/// </summary>
internal sealed class E2eInvalidateInflightBenchmark : Benchmark
{
    public override string Name => "e2e-invalidate-inflight";
    public override string Unit => "ops/s";
    public override double Target => 0;
    public override string Description => "single-page invalidation draining a DMA in flight on the page, sim backend (informational)";

    /// <summary>Completes a drained read into a buffer of its own.</summary>
    private sealed class Reader(DmaDevice device) : IDmaDrain
    {
        private readonly byte[] _buffer = new byte[64];

        public void Drain(DmaAccess access) => device.Complete(access, _buffer);
    }

    public override BenchResult Run(bool quick)
    {
        var machine = new Machine(new MachineOptions { RamSize = 64UL << 20 });
        machine.CreateAddressSpace(out var mm);
        machine.AddDevice(1, ats: true, pri: true, pasidBits: 20, out var device);
        machine.Sva!.Bind(new SvaDevice(1, 20), mm!, out var bond);
        const int pages = 64;
        mm!.Mmap(0, pages * Page.Size, Protection.ReadWrite, MapFlags.Private | MapFlags.Anonymous | MapFlags.Populate, out ulong va);
        var reader = new Reader(device!);
        uint pasid = (uint)bond!.Pasid;
        long invalidations = 0;
        long drained0 = device!.DrainedAccesses, draining0 = device.DrainingInvalidations;
        var wait0 = device.DrainWait;
        int next = 0;
        double rate = BestRate(() =>
        {
            for (int i = 0; i < 256; i++)
            {
                ulong page = va + (ulong)(next++ % pages) * Page.Size;
                if (device.BeginAccess(pasid, page, write: false, reader, out _) != DmaFaultReason.None)
                {
                    throw new InvalidOperationException($"e2e-invalidate-inflight: the read of 0x{page:x} faulted");
                }
                mm.Madvise(page, Page.Size, Advice.DontNeed); // drains the read, then completes
                mm.HandleFault(page, write: true);            // resident again for the next round
            }
            invalidations += 256;
        }, 256, quick);
        long drained = device.DrainedAccesses - drained0, draining = device.DrainingInvalidations - draining0;
        if (drained != invalidations || draining != invalidations || device.InFlight != 0)
        {
            throw new InvalidOperationException($"e2e-invalidate-inflight: {invalidations} invalidations drained {drained} reads in {draining} drains, {device.InFlight} still in flight");
        }
        if (machine.Oracle.Stale != 0)
        {
            throw new InvalidOperationException($"e2e-invalidate-inflight: the oracle saw {machine.Oracle.Stale} stale accesses");
        }
        double meanWaitNs = (device.DrainWait - wait0).TotalNanoseconds / draining;
        return Result(rate, $"mean drain wait {meanWaitNs:0} ns of {1e9 / rate:0} ns an invalidation; {drained} DMAs in flight drained, each by its invalidation");
    }
}

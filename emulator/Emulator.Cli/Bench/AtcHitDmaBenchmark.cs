using Emulator.Core;
using Emulator.Core.Backends;
using Emulator.Core.Memory;
using Emulator.Core.Mm;
using Emulator.Core.Oracle;
using Emulator.Core.Pcie;
using Emulator.Core.Smmu;
using R = Emulator.Core.Smmu.SmmuRegisters;

namespace Emulator.Cli.Bench;

/// <summary>
/// <c>atc-hit-dma</c>: DMA translations that hit the ATC — 4-byte <see cref="DmaDevice.Read"/>s across 64
/// resident pages of one PASID, after a warm-up pass has filled the ATC through the SMMU (sim backend). Each
/// operation is a whole DMA: the device lock, the ATC lookup, the oracle check and the 4-byte copy.
/// </summary>
internal sealed class AtcHitDmaBenchmark : Benchmark
{
    private const int Pages = 64;
    private const uint Sid = 1;
    private const uint Pasid = 1;
    private const ushort Asid = 1;

    public override string Name => "atc-hit-dma";
    public override string Unit => "ops/s";
    public override double Target => 20e6;
    public override string Description => "4-byte DMA reads hitting the ATC (64 resident pages, one PASID)";

    public override BenchResult Run(bool quick)
    {
        var machine = new Machine(new MachineOptions { RamSize = 16UL << 20 });
        if (machine.CreateAddressSpace(out var mm) != Errno.Ok
            || mm!.Mmap(0, Pages * (ulong)Page.Size, Protection.ReadWrite, MapFlags.Private | MapFlags.Anonymous | MapFlags.Populate, out ulong va) != Errno.Ok)
        {
            throw new InvalidOperationException("atc-hit-dma: could not map the benchmark's pages");
        }
        var backend = new SimAtcBackend();
        var smmu = new SmmuDevice(machine.Memory, machine.Frames, backend, new SmmuOptions());
        var oracle = new CoherenceOracle(machine.Frames);
        var device = new DmaDevice(Sid, machine.Memory, smmu, oracle);
        backend.Attach(device);
        Program(machine, smmu, mm.RootPa);

        Span<byte> warm = stackalloc byte[4];
        for (int i = 0; i < Pages; i++)
        {
            if (!device.Read(Pasid, va + ((ulong)i << Page.Shift), warm).IsOk)
            {
                throw new InvalidOperationException($"atc-hit-dma: warm-up DMA of page {i} failed");
            }
        }
        long requestsBefore = device.TranslationsRequested;
        var buffer = new byte[4];
        uint sink = 0;
        double rate = BestRate(() =>
        {
            for (int n = 0; n < 16; n++)
            {
                for (int i = 0; i < Pages; i++)
                {
                    device.Read(Pasid, va + ((ulong)i << Page.Shift) + 0x10, buffer);
                    sink += buffer[0];
                }
            }
        }, 16 * Pages, quick);
        Consume(sink);
        return Result(rate, $"hits {device.AtcHits}, misses {device.AtcMisses}, translation requests while timed {device.TranslationsRequested - requestsBefore}, stale {oracle.Stale}");
    }

    /// <summary>The driver's minimum: stream table with one SVA STE, one CD, the queues, SMMUEN.</summary>
    private static void Program(Machine machine, SmmuDevice smmu, ulong ttb0)
    {
        PhysicalMemory memory = machine.Memory;
        ulong mmio = smmu.Options.MmioBase;
        ulong Frame() => machine.Frames.TryAllocate(out ulong pfn) ? pfn << Page.Shift
            : throw new InvalidOperationException("atc-hit-dma: out of frames");
        ulong cmdq = Frame(), eventq = Frame(), priq = Frame(), strtab = Frame(), cdTable = Frame();

        Span<byte> raw = stackalloc byte[StreamTableEntry.Size];
        StreamTableEntry.S1Translate(cdTable, 6, CdTableFormat.Linear, DefaultSubstream.Substream0, AtsMode.Translate).WriteTo(raw);
        memory.TryWrite(strtab + Sid * (ulong)StreamTableEntry.Size, raw);
        raw = stackalloc byte[ContextDescriptor.Size];
        ContextDescriptor.Sva(Asid, ttb0, 16).WriteTo(raw);
        memory.TryWrite(cdTable + Pasid * (ulong)ContextDescriptor.Size, raw);

        memory.TryWriteU64(mmio + R.CmdqBase, QueueBase.Create(cmdq, 8).Raw);
        memory.TryWriteU64(mmio + R.EventqBase, QueueBase.Create(eventq, 7).Raw);
        memory.TryWriteU64(mmio + R.PriqBase, QueueBase.Create(priq, 8).Raw);
        memory.TryWriteU64(mmio + R.StrtabBase, StrtabBase.Create(strtab).Raw);
        memory.TryWriteU32(mmio + R.StrtabBaseCfg, StrtabBaseCfg.Create(StreamTableFormat.Linear, 0, 6).Raw);
        memory.TryWriteU32(mmio + R.Cr0, Cr0.SmmuEnBit | Cr0.CmdqEnBit | Cr0.EventqEnBit | Cr0.PriqEnBit);
    }
}

using System.Diagnostics;
using Emulator.Core;
using Emulator.Core.Mm;
using Emulator.Core.Sva;

namespace Emulator.Cli.Bench;

/// <summary>
/// <c>munmap-1g-bound</c>: munmap of 1 GiB of populated memory bound to one device; the value is the
/// number of SMMU commands it issued (the ASID-wide fallback: TLBI_NH_ASID, ATC_INV all, CMD_SYNC),
/// the wall time is printed alongside.
/// </summary>
internal sealed class MunmapBoundBenchmark : Benchmark
{
    private const ulong Size = 1UL << 30;

    public override string Name => "munmap-1g-bound";
    public override string Unit => "cmds";
    public override double Target => 4;
    public override string Description => "SMMU commands issued by a 1 GiB munmap bound to one device";

    public override BenchResult Run(bool quick)
    {
        var machine = new Machine(new MachineOptions { RamSize = Size + (128UL << 20) });
        machine.CreateAddressSpace(out var mm);
        machine.AddDevice(1, ats: true, pri: true, pasidBits: 20, out var device);
        machine.Sva!.Bind(new SvaDevice(1, 20), mm!, out var bond);
        var err = mm!.Mmap(0, Size, Protection.ReadWrite, MapFlags.Private | MapFlags.Anonymous | MapFlags.Populate, out ulong va);
        if (err != Errno.Ok)
        {
            throw new InvalidOperationException($"mmap for the benchmark failed: {err}");
        }
        device!.Read(bond!.Pasid, va, new byte[8]);
        var driver = machine.SmmuDriver!;
        long before = driver.Stats.TotalCommands;
        var sw = Stopwatch.StartNew();
        mm.Munmap(va, Size);
        sw.Stop();
        long commands = driver.Stats.TotalCommands - before;
        return Result(commands, $"wall time {sw.Elapsed.TotalMilliseconds:0.0} ms");
    }
}

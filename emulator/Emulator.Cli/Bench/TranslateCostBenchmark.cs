using Emulator.Core.Cpu;

namespace Emulator.Cli.Bench;

/// <summary>
/// <c>translate-cost</c>: host microseconds of translation (decode, flag liveness, IL emission and
/// the .NET JIT of the region) per guest instruction translated, over the <c>guest-mips</c>
/// workload translated with threshold 1 (every block head compiled on first arrival, on the
/// vCPU's thread so each compile is timed alone) on fresh
/// machines. The first machine warms the translator's own code up and is not counted.
/// </summary>
internal sealed class TranslateCostBenchmark : Benchmark
{
    public override string Name => "translate-cost";
    public override string Unit => "µs";
    public override double Target => 35;
    public override bool HigherIsBetter => false;
    public override string Description => "translator cost: host µs per guest instruction translated (guest-mips workload, threshold 1)";

    public override BenchResult Run(bool quick)
    {
        double best = double.MaxValue;
        long regions = 0, instructions = 0;
        int rounds = quick ? 2 : 5;
        using (CpuOptions.UseDefaults(CpuMode.Translate, 1, background: false))
        {
            for (int r = 0; r <= rounds; r++)
            {
                var guest = new GuestMipsBenchmark.Workload(GuestMipsBenchmark.WorkloadSize.Small);
                guest.Run();
                CodeCache cache = guest.Cpu.CodeCache;
                if (cache.InstructionsTranslated == 0)
                {
                    throw new InvalidOperationException("translate-cost: nothing was translated");
                }
                double perInstruction = cache.TranslationTime.TotalMicroseconds / cache.InstructionsTranslated;
                if (r > 0 && perInstruction < best)
                {
                    best = perInstruction;
                    regions = cache.RegionsTranslated;
                    instructions = cache.InstructionsTranslated;
                }
            }
        }
        return Result(best, $"{regions} regions, {instructions} guest instructions, {best * instructions / 1e3:0.0} ms a machine");
    }
}

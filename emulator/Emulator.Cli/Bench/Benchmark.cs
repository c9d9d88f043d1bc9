using System.Diagnostics;
using System.Runtime.CompilerServices;

namespace Emulator.Cli.Bench;

/// <summary>
/// One named figure of <c>emulator bench</c>. Names, units and targets are a contract read by
/// tooling: rates in <c>ops/s</c> (higher is better), times in <c>ns</c> and counts in <c>cmds</c>
/// (lower is better), ratios in <c>x</c> (direction per benchmark).
/// </summary>
internal abstract class Benchmark
{
    public abstract string Name { get; }
    public abstract string Unit { get; }
    public abstract double Target { get; }
    public abstract string Description { get; }

    /// <summary>True when a larger value is better (rates); false for times and counts.</summary>
    public virtual bool HigherIsBetter => Unit == "ops/s";

    /// <summary>Measures; <paramref name="quick"/> keeps it to a fraction of a second.</summary>
    public abstract BenchResult Run(bool quick);

    protected BenchResult Result(double value, string? detail = null) => new(Name, value, Unit, Target, HigherIsBetter, detail);

    /// <summary>
    /// Runs <paramref name="batch"/> (which performs <paramref name="opsPerBatch"/> operations) for a
    /// time budget, several rounds, and returns the best rate in operations per second. The first
    /// round warms the JIT up and is discarded.
    /// </summary>
    protected static double BestRate(Action batch, long opsPerBatch, bool quick)
    {
        double budget = quick ? 0.15 : 0.6;
        int rounds = quick ? 3 : 5;
        double best = 0;
        for (int r = 0; r <= rounds; r++)
        {
            long ops = 0;
            var sw = Stopwatch.StartNew();
            do
            {
                batch();
                ops += opsPerBatch;
            }
            while (sw.Elapsed.TotalSeconds < budget);
            double rate = ops / sw.Elapsed.TotalSeconds;
            if (r > 0)
            {
                best = Math.Max(best, rate);
            }
        }
        return best;
    }

    /// <summary>Keeps a value alive so the JIT cannot drop the work that produced it.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    protected static void Consume<T>(T value)
    {
        _ = value;
    }
}

using Emulator.Fuzz;

namespace Emulator.Cli.Bench;

/// <summary>
/// <c>fuzz-trace</c> and <c>fuzz-frames</c>: cases per second of the standing in-process fuzzers
/// (tests/Fuzz) on the trace parser + replayer and on the frame codec + software board. The figures
/// size the fuzzing budget of a CI run; a crash makes the value 0, with the seed and the failure in
/// the detail, so <c>--check</c> fails on it.
/// </summary>
internal sealed class FuzzBenchmark(string target, double floor) : Benchmark
{
    /// <summary>Fixed, so a figure is comparable from run to run.</summary>
    private const int Seed = 20_260_701;

    public static FuzzBenchmark Trace() => new("trace", 1e3);

    public static FuzzBenchmark Frames() => new("frames", 1e4);

    public override string Name => "fuzz-" + target;
    public override string Unit => "ops/s"; // one op = one fuzz case
    public override double Target => floor;
    public override string Description => $"in-process fuzzer on the {(target == "trace" ? "trace parser and replayer" : "frame codec and software board")} (cases/s)";

    public override BenchResult Run(bool quick)
    {
        var time = TimeSpan.FromSeconds(quick ? 1 : 6);
        FuzzReport report = FuzzRunner.Run(FuzzTargets.Create(target), Seed, long.MaxValue, time);
        if (report.Crashes.Count > 0)
        {
            return Result(0, $"{report.Crashes.Count} crash(es), seed {Seed}: {report.Crashes[0].Failure.Split('\n')[0]}");
        }
        return Result(report.Rate, $"{report.Cases} cases, {report.Signatures} paths, corpus {report.CorpusSize}, slowest case {report.Slowest.TotalMilliseconds:0} ms, seed {Seed}");
    }
}

using Emulator.Core.Diagnostics;
using Emulator.Core.Trace;
using Emulator.Core.Trace.Replay;

namespace Emulator.Cli.Bench;

/// <summary>
/// <c>trace-overhead</c>: <c>replay-sva</c>'s trace replayed with every trace event written to a file
/// (<c>--trace all --trace-file</c>), as a multiple of the same replay untraced. Target ≤ 3x: tracing
/// must stay usable on real workloads. (With tracing off the cost is one static load per trace
/// point; the other rows measure that.)
/// </summary>
internal sealed class TraceOverheadBenchmark : Benchmark
{
    private const int Statements = 20_000;

    public override string Name => "trace-overhead";
    public override string Unit => "x";
    public override double Target => 3;
    public override bool HigherIsBetter => false;
    public override string Description => "replay-sva with every trace event written to a file, as a multiple of the untraced replay";

    public override BenchResult Run(bool quick)
    {
        var parsed = TraceParser.Parse("bench.trace", ReplayBenchmark.Generate(sva: true, Statements));
        if (!parsed.Success)
        {
            throw new InvalidOperationException("generated trace is malformed: " + parsed.Errors[0]);
        }
        int statements = parsed.Statements.Count;
        double untraced = BestRate(() => Consume(TraceReplayer.Run("bench.trace", parsed)), statements, quick);
        string file = Path.Combine(Path.GetTempPath(), $"emulator-trace-overhead-{Environment.ProcessId}.txt");
        long lines = 0;
        try
        {
            double traced = BestRate(() =>
            {
                using var writer = new StreamWriter(file, append: false) { NewLine = "\n" };
                var sink = new TextTraceSink(writer);
                using var session = new TraceSession();
                session.Add(sink);
                session.Bind();
                Consume(TraceReplayer.Run("bench.trace", parsed));
                lines = sink.Lines;
            }, statements, quick);
            return Result(untraced / traced, $"{statements} statements; untraced {untraced:0.00e0}/s, traced {traced:0.00e0}/s, {lines} trace lines per run");
        }
        finally
        {
            File.Delete(file);
        }
    }
}

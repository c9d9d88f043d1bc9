using Emulator.Core.Wire;
using Emulator.Fuzz.Soak;

namespace Emulator.Cli.Bench;

/// <summary>
/// <c>stub-soak</c>: frames per second the firmware stub (run as its own process, next to this
/// executable) takes from 64 connections flooding it with valid frames and 10 % garbage, 16 of them
/// over its connection limit; the stub's peak resident memory and threads are in the detail, and
/// the figure is 0 when it no longer answers HELLO afterwards.
/// </summary>
internal sealed class StubSoakBenchmark : Benchmark
{
    private const int Connections = 64;

    public override string Name => "stub-soak";
    public override string Unit => "ops/s"; // one op = one frame sent to the stub
    public override double Target => 2e5;
    public override string Description => "firmware stub under a flood from 64 connections (frames/s; memory peak in the detail)";

    public override BenchResult Run(bool quick)
    {
        string stub = Path.Combine(AppContext.BaseDirectory, "firmware-stub");
        if (!File.Exists(stub))
        {
            return Result(0, "firmware-stub not found next to the emulator");
        }
        using var server = ServerProcess.Start(stub, ["--listen", "127.0.0.1:0", "--max-connections", "48"],
            environment: new Dictionary<string, string> { ["EMULATOR_LOG"] = "error" });
        SoakResult soak = BoardSoak.RunAsync(server.EndPoint, Connections, TimeSpan.FromSeconds(quick ? 2 : 8), seed: 20_260_702).GetAwaiter().GetResult();
        long peak = server.PeakMemory, threads = server.Threads;
        CapsPayload? caps = BoardSoak.ProbeAsync(server.EndPoint, TimeSpan.FromSeconds(5)).GetAwaiter().GetResult();
        string detail = $"peak {peak >> 20} MiB, {threads} threads, {soak.Connections} connections ({soak.Closed} closed by the stub), {soak.BytesSent >> 20} MiB in, {soak.BytesReceived >> 20} MiB of replies";
        return caps is null || server.HasExited
            ? Result(0, "the stub no longer answers HELLO after the flood; " + detail)
            : Result(soak.FramesPerSecond, detail);
    }
}

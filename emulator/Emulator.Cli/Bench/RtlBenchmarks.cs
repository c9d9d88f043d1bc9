using System.Buffers.Binary;
using System.Diagnostics;
using System.Text.Json;
using Emulator.Board;
using Emulator.Board.Sim;
using Emulator.Core.Pcie;
using Emulator.Core.Wire;

namespace Emulator.Cli.Bench;

/// <summary>Where the gateware benchmarks find hw/ and keep their builds (hw/out/bench, ignored by git).</summary>
internal static class RtlBench
{
    public static string? HwDirectory => BoardSimBuild.FindHwDirectory(Environment.CurrentDirectory) ?? BoardSimBuild.FindHwDirectory();

    /// <summary>board-sim built from the current sources, or the reason it cannot be.</summary>
    public static string? BoardSim(out string? skip)
    {
        string? hw = HwDirectory;
        skip = hw is null ? "skipped: run from a checkout (hw/ not found)" : BoardSimBuild.MissingTools() is { } m ? "skipped: " + m : null;
        return skip is null ? BoardSimBuild.EnsureBuilt(hw!, Path.Combine(hw!, "out", "bench")) : null;
    }

    public static byte[] Frame<T>(uint seq, in T payload) where T : struct, IWirePayload
    {
        var frame = new byte[FrameCodec.GetFrameLength(payload.Size)];
        FrameCodec.WriteFrame(frame, seq, payload);
        return frame;
    }
}

/// <summary>
/// <c>rtl-cycles-per-inv</c>: clock cycles the gateware spends per ATC_INV in a stream of 256 ATC_INVs and a
/// SYNC, measured in simulation (board-sim --unit): the whole batch, INV_COMPLETE and SYNC_ACK included,
/// less the same session without the batch, over 256. A 40-byte frame at one byte per clock makes 40 the
/// line rate: at 60 MHz, 1.5 M ATC_INVs/s, above the USB 2.0 HS ceiling (docs/wire-protocol.md).
/// </summary>
internal sealed class RtlCyclesPerInvBenchmark : Benchmark
{
    private const int Batch = 256;

    public override string Name => "rtl-cycles-per-inv";
    public override string Unit => "cycles";
    /// <summary>The byte bound of a link carrying one byte per clock each way in turn: 40 bytes of ATC_INV in,
    /// and 536 / 256 bytes of the batch's INV_COMPLETE out.</summary>
    public override double Target => 42.1;
    public override string Description => "gateware clocks per ATC_INV, 256 per SYNC, replies included (input line rate: 40)";

    public override BenchResult Run(bool quick)
    {
        string? binary = RtlBench.BoardSim(out string? skip);
        if (binary is null)
        {
            return Result(0, skip);
        }
        using var unit = new BoardSimUnit(binary);
        var hello = RtlBench.Frame(0, new HelloPayload(ProtocolVersion.Current, "bench"));
        var stream = new List<byte>(hello);
        var baseline = new List<byte>(hello);
        for (ushort i = 0; i < Batch; i++)
        {
            stream.AddRange(RtlBench.Frame(1u + i, new AtcInvPayload(1, 5, false, 0x10_0000ul + i * 0x1000ul, 12, i)));
        }
        stream.AddRange(RtlBench.Frame(1u + Batch, new SyncPayload(7)));
        baseline.AddRange(RtlBench.Frame(1, new SyncPayload(7)));
        (byte[] output, long cycles, long inputDone) = unit.Board([.. stream]);
        (_, long baseCycles, long baseInputDone) = unit.Board([.. baseline]);
        int syncAcks = CountType(output, MessageType.SyncAck);
        if (syncAcks != 1)
        {
            throw new InvalidOperationException($"{Name}: expected one SYNC_ACK, got {syncAcks}");
        }
        double perInv = (cycles - baseCycles) / (double)Batch;
        double inputPerInv = (inputDone - baseInputDone) / (double)Batch;
        return Result(perInv, $"input side {inputPerInv:0.00} clocks per 40-byte ATC_INV (no stall = 40); batch {cycles} clocks, {output.Length} reply bytes; at 60 MHz {60e6 / perInv:0.00e0} ATC_INVs/s");
    }

    private static int CountType(byte[] output, MessageType type)
    {
        int n = 0;
        for (int at = 0; at + FrameCodec.Overhead <= output.Length;)
        {
            n += output[at + 6] == (byte)type ? 1 : 0;
            at += FrameCodec.Overhead + (int)BinaryPrimitives.ReadUInt32LittleEndian(output.AsSpan(at + 12));
        }
        return n;
    }
}

/// <summary>
/// <c>rtl-fmax-ice40</c>: the Fmax nextpnr-ice40 reports for the board on an iCE40 HX8K (ct256), with the
/// logic-cell use in the detail (target ≤ 80 % with ≥ 16 ATC entries). Runs <c>make -C hw ice40</c>
/// (Yosys + nextpnr + icepack; minutes, rebuilt only when the RTL changed) and reads hw/out/ice40-report.json.
/// </summary>
internal sealed class RtlFmaxIce40Benchmark : Benchmark
{
    public override string Name => "rtl-fmax-ice40";
    public override string Unit => "MHz";
    public override double Target => 60;
    public override bool HigherIsBetter => true;
    public override string Description => "Fmax of the gateware on an iCE40 HX8K after place and route (FT232H clock: 60 MHz)";

    public override BenchResult Run(bool quick)
    {
        string? hw = RtlBench.HwDirectory;
        if (hw is null)
        {
            return Result(0, "skipped: run from a checkout (hw/ not found)");
        }
        foreach (string tool in (string[])["yosys", "nextpnr-ice40", "icepack", "jq", "make"])
        {
            if (!Environment.GetEnvironmentVariable("PATH")!.Split(':').Any(d => File.Exists(Path.Combine(d, tool))))
            {
                return Result(0, $"skipped: {tool} not found (apt install yosys nextpnr-ice40 fpga-icestorm jq)");
            }
        }
        var psi = new ProcessStartInfo("make", ["-C", hw, "ice40"]) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var make = Process.Start(psi)!;
        Task<string> stderr = make.StandardError.ReadToEndAsync();
        make.StandardOutput.ReadToEnd();
        make.WaitForExit();
        string report = Path.Combine(hw, "out", "ice40-report.json");
        if (!File.Exists(report))
        {
            throw new InvalidOperationException($"{Name}: make -C hw ice40 failed:\n{stderr.Result}");
        }
        using var doc = JsonDocument.Parse(File.ReadAllText(report));
        JsonElement r = doc.RootElement;
        double fmax = r.GetProperty("fmax_mhz").GetDouble();
        int lut = r.GetProperty("lut").GetInt32(), total = r.GetProperty("lut_total").GetInt32();
        return Result(fmax, $"{lut}/{total} logic cells ({100.0 * lut / total:0.0} %, target <= 80 %), {r.GetProperty("bram").GetInt32()} BRAMs, {r.GetProperty("atc_entries").GetInt32()} ATC entries");
    }
}

/// <summary>
/// <c>board-batched-rtl</c>: ATC_INVs per second through one <see cref="BoardLink"/> to the gateware in
/// board-sim over a Unix socket, 256 per SYNC, each SYNC completed. This is the simulator's speed, not the
/// hardware's (informational): it shows the co-simulation keeps whole-system runs practical.
/// </summary>
internal sealed class BoardBatchedRtlBenchmark : Benchmark
{
    private const int Batch = 256;

    public override string Name => "board-batched-rtl";
    public override string Unit => "ops/s";
    public override double Target => 1e3;
    public override string Description => "ATC_INVs to the gateware in board-sim over a Unix socket, 256 per SYNC (simulation speed, informational)";

    public override BenchResult Run(bool quick)
    {
        string? binary = RtlBench.BoardSim(out string? skip);
        if (binary is null)
        {
            return Result(0, skip);
        }
        string path = Path.Combine(Path.GetTempPath(), $"bench-rtl-{Environment.ProcessId}.sock");
        var sim = BoardSimProcess.StartAsync(binary, path).GetAwaiter().GetResult();
        try
        {
            using var link = new BoardLink(sim.Connector, new BoardOptions { HeartbeatInterval = TimeSpan.Zero });
            double seconds = quick ? 0.5 : 2.0;
            long ops = 0;
            var sw = Stopwatch.StartNew();
            ulong va = 0;
            while (sw.Elapsed.TotalSeconds < seconds)
            {
                for (int i = 0; i < Batch; i++)
                {
                    link.Invalidate(new AtcInvalidation(1, 5, false, 0x10_0000 + (va++ & 0x1ff) * 0x1000, 12));
                }
                if (link.Sync(TimeSpan.FromSeconds(30)) != AtcSyncResult.Complete)
                {
                    throw new InvalidOperationException($"{Name}: SYNC timed out ({link.LastError})");
                }
                ops += Batch;
            }
            double rate = ops / sw.Elapsed.TotalSeconds;
            link.Dispose();
            sim.DisposeAsync().AsTask().GetAwaiter().GetResult();
            return Result(rate, $"{ops} ATC_INVs in {sw.Elapsed.TotalSeconds:0.00} s; {sim.Cycles} clocks simulated ({sim.Cycles / sw.Elapsed.TotalSeconds:0.00e0} clocks/s)");
        }
        finally
        {
            sim.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
    }
}

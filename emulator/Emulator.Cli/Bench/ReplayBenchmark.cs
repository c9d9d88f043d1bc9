using System.Diagnostics;
using System.Text;
using Emulator.Core.Trace;
using Emulator.Core.Trace.Replay;

namespace Emulator.Cli.Bench;

/// <summary>
/// <c>replay-cpu</c> and <c>replay-sva</c>: statements per second of <c>emulator replay</c> on a
/// generated trace — parsing and replaying the text on a fresh machine, as the command does.
/// </summary>
/// <remarks>
/// <para><c>replay-cpu</c> is a CPU-only trace: 8-to-64-byte stores and checked loads over 64
/// resident pages, with an <c>mprotect</c> pair and a <c>madvise dontneed</c> every 64 statements.
/// <c>replay-sva</c> binds a device and mixes in DMA probes (checked DMA reads and DMA writes, a third of
/// the statements) and a <c>munmap</c> + <c>mmap</c> every 64 statements, so the ATC is invalidated
/// and refilled through ATS and PRI all along. Both traces replay with no failures — the benchmark
/// throws otherwise, so a fast wrong replay cannot pass.</para>
/// </remarks>
internal sealed class ReplayBenchmark : Benchmark
{
    private const int Statements = 100_000;
    private readonly bool _sva;
    private string? _text;

    private ReplayBenchmark(bool sva) => _sva = sva;

    public static ReplayBenchmark Cpu() => new(sva: false);

    public static ReplayBenchmark Sva() => new(sva: true);

    public override string Name => _sva ? "replay-sva" : "replay-cpu";
    public override string Unit => "ops/s";
    public override double Target => _sva ? 200e3 : 1e6;
    public override string Description => _sva
        ? "emulator replay of an SVA trace with DMA probes (parse + replay, statements/s)"
        : "emulator replay of a CPU-only trace (parse + replay, statements/s)";

    /// <summary>The generated trace (also used by the tests to check it replays cleanly).</summary>
    internal string Text => _text ??= Generate(_sva, Statements);

    /// <summary>The counters as the trace format names them (<c>atc-inv 12, tlbi 3, …</c>), the zero ones left out.</summary>
    private static string Describe(Emulator.Core.Trace.Replay.ReplayCounters c) =>
        string.Join(", ", new (string Name, long Value)[]
        {
            ("atc-inv", c.AtcInv), ("tlbi", c.Tlbi), ("cfgi", c.Cfgi), ("sync", c.Sync), ("pri", c.Pri),
            ("dma-fault", c.DmaFault), ("cpu-fault", c.CpuFault), ("event", c.Event), ("stale", c.Stale),
        }.Where(p => p.Value != 0).Select(p => $"{p.Name} {p.Value}"));

    public override BenchResult Run(bool quick)
    {
        string text = Text;
        var first = ReplayOnce(text, out int statements);
        if (!first.Passed)
        {
            throw new InvalidOperationException($"{Name}: the generated trace does not replay cleanly: {first.Failures[0]}");
        }
        double parseSeconds = double.MaxValue;
        var pre = TraceParser.Parse("bench.trace", text);
        double replayOnly = BestRate(() => Consume(TraceReplayer.Run("bench.trace", pre)), statements, quick);
        double rate = BestRate(() =>
        {
            var sw = Stopwatch.StartNew();
            var parsed = TraceParser.Parse("bench.trace", text);
            parseSeconds = Math.Min(parseSeconds, sw.Elapsed.TotalSeconds);
            Consume(TraceReplayer.Run("bench.trace", parsed));
        }, statements, quick);
        return Result(rate, $"{statements} statements; parse alone {statements / parseSeconds:0.00e0}/s; replay alone {replayOnly:0.00e0}/s; counters {Describe(first.Counters)}");
    }

    private static ReplayResult ReplayOnce(string text, out int statements)
    {
        var parsed = TraceParser.Parse("bench.trace", text);
        if (!parsed.Success)
        {
            throw new InvalidOperationException("generated trace is malformed: " + parsed.Errors[0]);
        }
        statements = parsed.Statements.Count;
        return TraceReplayer.Run("bench.trace", parsed);
    }

    internal static string Generate(bool sva, int statements)
    {
        const ulong baseVa = 0x10_0000;
        const int pages = 64;
        var sb = new StringBuilder(statements * 40);
        sb.Append("trace 1\nmachine ram=64M\nprocess p\n");
        if (sva)
        {
            sb.Append("device d sid=1 ats pri\nbind d p\n");
        }
        sb.Append("mmap p 0x100000 256K rw\nwrite p 0x100000 256K seq32\n");
        var rng = new Random(42);
        for (int i = 0; i < statements; i++)
        {
            int page = rng.Next(pages);
            ulong va = baseVa + (ulong)page * 4096 + (ulong)rng.Next(0, 4096 - 64) / 4 * 4;
            int size = 8 << rng.Next(4);
            uint seq = (uint)((va - baseVa) / 4);
            if (i % 64 == 63)
            {
                if (sva)
                {
                    // Unmap a page under the device and map it back, restoring its contents.
                    sb.Append($"munmap p 0x{baseVa + (ulong)page * 4096:x} 4K\n");
                    sb.Append($"dma d p read 0x{baseVa + (ulong)page * 4096:x} 8 => fault\n");
                    sb.Append($"mmap p 0x{baseVa + (ulong)page * 4096:x} 4K rw\n");
                    sb.Append($"write p 0x{baseVa + (ulong)page * 4096:x} 4K seq32:0x{(uint)(page * 1024):x}\n");
                    i += 3;
                }
                else
                {
                    sb.Append($"mprotect p 0x{baseVa + (ulong)page * 4096:x} 4K r\n");
                    sb.Append($"write p 0x{baseVa + (ulong)page * 4096:x} 8 byte:1 => fault\n");
                    sb.Append($"mprotect p 0x{baseVa + (ulong)page * 4096:x} 4K rw\n");
                    sb.Append($"madvise p 0x{baseVa + (ulong)page * 4096:x} 4K dontneed\n");
                    sb.Append($"write p 0x{baseVa + (ulong)page * 4096:x} 4K seq32:0x{(uint)(page * 1024):x}\n");
                    i += 4;
                }
                continue;
            }
            int kind = rng.Next(sva ? 6 : 4);
            switch (kind)
            {
                case 0 or 1:
                    // Rewrite the bytes with the values they already hold, so every later check still holds.
                    sb.Append($"write p 0x{va:x} {size} seq32:0x{seq:x}\n");
                    break;
                case 2 or 3:
                    sb.Append($"read p 0x{va:x} {size} => seq32:0x{seq:x}\n");
                    break;
                case 4:
                    sb.Append($"dma d p read 0x{va:x} {size} => seq32:0x{seq:x}\n");
                    break;
                default:
                    sb.Append($"dma d p write 0x{va:x} {size} seq32:0x{seq:x}\n");
                    break;
            }
        }
        sb.Append("expect count stale == 0\n");
        return sb.ToString();
    }
}

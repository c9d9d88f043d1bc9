using Emulator.Core;
using Emulator.Core.Iommu;
using Emulator.Core.Mm;
using Emulator.Core.Trace;

namespace Emulator.Tests.Trace;

/// <summary>Round trip: for seeded random well-formed traces, Parse(Write(x)) == x.</summary>
public sealed class TraceRoundTripTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(20261122)]
    public void Parse_of_write_is_identity(int seed)
    {
        var rng = new Random(seed);
        for (int trace = 0; trace < 50; trace++)
        {
            List<Statement> statements = Generate(rng, 60);
            string text = TraceWriter.Write(statements);
            ParseResult r = TraceParser.Parse("rt.trace", text);
            Assert.True(r.Success, $"seed {seed} trace {trace}: {string.Join("; ", r.Errors)}\n{text}");
            for (int i = 0; i < statements.Count; i++)
            {
                // Compared one by one so a failure names the statement and the seed.
                Assert.True(statements[i] == r.Statements[i], $"seed {seed} trace {trace} line {i + 1}: wrote {statements[i]} read {r.Statements[i]}");
            }
            Assert.Equal(statements.Count, r.Statements.Count);
        }
    }

    private static List<Statement> Generate(Random rng, int count)
    {
        var list = new List<Statement> { new TraceHeader(1) };
        if (rng.Next(2) == 0)
        {
            // Values in the parser's ranges (MachineLimits); out-of-range ones are TraceValueTests' business.
            list.Add(new MachineStatement(
                rng.Next(2) == 0 ? null : (ulong)rng.Next(1, 1 << 24) << 12,
                rng.Next(3) switch { 0 => null, 1 => 4, _ => 5 },
                rng.Next(2) == 0 ? null : 4UL << rng.Next(17),
                rng.Next(2) == 0 ? null : (ulong)rng.Next(1, 65537),
                rng.Next(2) == 0 ? null : 2UL << rng.Next(10),
                (FaultInjection)rng.Next(16)));
        }
        var processes = new List<string>();
        var devices = new List<string>();
        int names = 0;
        while (list.Count < count)
        {
            if (processes.Count == 0 || rng.Next(10) == 0)
            {
                string name = "p" + names++;
                processes.Add(name);
                list.Add(new ProcessStatement(name));
                continue;
            }
            if (devices.Count == 0 || rng.Next(15) == 0)
            {
                string name = "dev_" + names++;
                devices.Add(name);
                list.Add(new DeviceStatement(name, (uint)names, rng.Next(2) == 0, rng.Next(2) == 0, rng.Next(2) == 0 ? null : rng.Next(1, 21)));
                continue;
            }
            string p = processes[rng.Next(processes.Count)];
            string d = devices[rng.Next(devices.Count)];
            ulong addr = Addr(rng);
            ulong size = (ulong)rng.Next(1, 1 << 20);
            Statement s = rng.Next(17) switch
            {
                0 => new BindStatement(d, p) { Result = Result(rng, null) },
                1 => new UnbindStatement(d, p) { Result = Result(rng, null) },
                2 => new MmapStatement(p, addr, size, (Protection)rng.Next(8), rng.Next(2) == 0) { Result = Result(rng, null) },
                3 => new MunmapStatement(p, addr, size) { Result = Result(rng, null) },
                4 => new MprotectStatement(p, addr, size, (Protection)rng.Next(8)) { Result = Result(rng, null) },
                5 => new MadviseStatement(p, addr, size, Advice.DontNeed) { Result = Result(rng, null) },
                6 => new MremapStatement(p, addr, size, (ulong)rng.Next(), rng.Next(2) == 0 ? null : Addr(rng)) { Result = Result(rng, null) },
                7 => new BrkStatement(p, addr) { Result = Result(rng, null) },
                8 => Fork(p, "c" + names++, processes, rng),
                9 => new ExitStatement(p) { Result = Result(rng, null) },
                10 => new MigrateStatement(p, addr, size) { Result = Result(rng, null) },
                11 => new WriteStatement(p, addr, 4, Patt(rng, 4)) { Result = Result(rng, null) },
                12 => new ReadStatement(p, addr, 4) { Result = Result(rng, 4) },
                13 => new DmaStatement(d, p, DmaDirection.Read, addr, 4) { Result = Result(rng, 4) },
                14 => new DmaStatement(d, p, DmaDirection.Write, addr, 4, Patt(rng, 4)) { Result = Result(rng, null) },
                15 => new ExpectAtcStatement(d, p, addr, rng.Next(2) == 0),
                _ => new ExpectCountStatement((TraceCounter)rng.Next(9), (CountOp)rng.Next(3), (ulong)rng.NextInt64()),
            };
            list.Add(s);
        }
        for (int i = 0; i < list.Count; i++)
        {
            list[i] = list[i] with { Line = i + 1, Column = 1 };
        }
        return list;
    }

    private static Statement Fork(string parent, string child, List<string> processes, Random rng)
    {
        processes.Add(child);
        return new ForkStatement(parent, child) { Result = Result(rng, null) };
    }

    private static ulong Addr(Random rng) => rng.Next(4) == 0 ? ulong.MaxValue - (ulong)rng.Next(100) : (ulong)rng.NextInt64();

    private static readonly Errno[] Errnos = Enum.GetValues<Errno>().Where(e => e != Errno.Ok).ToArray();

    private static ExpectedResult Result(Random rng, int? patternSize) => rng.Next(patternSize is null ? 4 : 5) switch
    {
        0 => ExpectedResult.Ok,
        1 => ExpectedResult.Any,
        2 => ExpectedResult.Fault,
        3 => ExpectedResult.Fails(Errnos[rng.Next(Errnos.Length)]),
        _ => ExpectedResult.Bytes(Patt(rng, patternSize!.Value)),
    };

    private static Pattern Patt(Random rng, int size)
    {
        switch (rng.Next(5))
        {
            case 0: return Pattern.Zero;
            case 1: return Pattern.Byte((byte)rng.Next(256));
            case 2: return Pattern.Seq32((uint)rng.NextInt64(0, 1L << 32));
            case 3: return Pattern.Rand((ulong)rng.NextInt64());
            default:
                byte[] bytes = new byte[size];
                rng.NextBytes(bytes);
                return Pattern.Hex(bytes);
        }
    }
}

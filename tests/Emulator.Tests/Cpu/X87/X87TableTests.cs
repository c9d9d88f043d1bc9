using Emulator.Core.Cpu;
using Emulator.Tests.Trace;

namespace Emulator.Tests.Cpu.X87;

/// <summary>Every case of <c>Data/x87.txt</c> on the emulator: the FSW (flags, condition codes, TOP),
/// the full tag word, every non-empty register bit for bit, the memory operand, RFLAGS and AX must be
/// exactly the table's, which <see cref="X87HostCrossCheckTests"/> checks against the host processor
/// (transcendental results: within 1 ulp, see <see cref="X87Tolerance"/>; the counts are in
/// <see cref="X87TranscendentalAccuracyTests"/>).</summary>
public sealed class X87TableTests
{
    internal static string DataPath => Path.Combine(CorpusTests.RepoRoot(), "tests", "Emulator.Tests", "Cpu", "X87", "Data", "x87.txt");

    private static readonly X87Probe.Emulator s_emulator = new();

    public static TheoryData<X87Case> Cases()
    {
        var data = new TheoryData<X87Case>();
        foreach (var c in X87Case.Load(DataPath))
        {
            data.Add(c);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Instruction_matches_the_table(X87Case c)
    {
        byte[] io;
        CpuExit exit;
        lock (s_emulator)
        {
            io = s_emulator.Run(c.Form, c.Inputs, out exit);
        }
        Assert.True(exit.Kind == CpuExitKind.Syscall, $"{c}: {exit}");
        string got = X87Inputs.Outcome(c.Form, io);
        if (got != c.Expected && X87Tolerance.IsTranscendental(c.Form) && X87Tolerance.WithinOneUlp(c.Expected, got))
        {
            return; // the host's transcendental result is 1 ulp from the correctly rounded one (X87Tolerance)
        }
        Assert.True(c.Expected == got, $"{c}\n  table    {c.Expected}\n  emulator {got}");
    }
}

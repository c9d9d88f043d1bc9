using Xunit.Abstractions;

namespace Emulator.Tests.Cpu.SimdFloat;

/// <summary>Every case of <c>simdfloat.txt</c> on the emulator: the whole end state (YMM0–15, memory,
/// GPRs, MMX, RFLAGS status, MXCSR, fault) must be the table's. A failure names the data line.
/// <see cref="SimdFloatTableHostCrossCheckTests"/> proves the table against the host processor.</summary>
public sealed class SimdFloatTableTests(ITestOutputHelper output)
{
    public static TheoryData<int> Lines()
    {
        var data = new TheoryData<int>();
        foreach (SimdFloatCase c in SimdFloatCase.Load())
        {
            data.Add(c.Line);
        }
        return data;
    }

    private static readonly Lazy<Dictionary<int, SimdFloatCase>> s_cases = new(() => SimdFloatCase.Load().ToDictionary(c => c.Line));

    [Theory]
    [MemberData(nameof(Lines))]
    public void Instruction_matches_the_table(int line)
    {
        SimdFloatCase c = s_cases.Value[line];
        ProbeState got = new EmulatorProbe().Run(c.Input);
        string? diff = ProbeState.Diff(c.Expected, got);
        if (diff is not null)
        {
            output.WriteLine(c.Input.ToString());
        }
        Assert.True(diff is null, $"{c}\n  table vs emulator:{diff}");
    }
}

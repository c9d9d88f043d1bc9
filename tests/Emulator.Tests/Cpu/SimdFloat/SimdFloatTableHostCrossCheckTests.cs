using Xunit.Abstractions;

namespace Emulator.Tests.Cpu.SimdFloat;

/// <summary>Every case of <c>simdfloat.txt</c> on the host processor (<see cref="HostProbe"/>): the
/// table's expected end state must be what silicon does, so table = host = emulator (with
/// <see cref="SimdFloatTableTests"/>). Lines marked <c>zen4</c> (the approximations) are checked only
/// on an AMD family 19h host.</summary>
public sealed class SimdFloatTableHostCrossCheckTests(ITestOutputHelper output)
{
    [GccFact]
    public void Table_matches_the_host_processor()
    {
        List<SimdFloatCase> cases = SimdFloatCase.Load().Where(c => HostCpu.IsAmdZen4Like || !c.Text.Contains("rcp", StringComparison.OrdinalIgnoreCase)
            && !c.Text.Contains("rsqrt", StringComparison.OrdinalIgnoreCase)).ToList();
        ProbeState[] host = HostProbe.Run(cases.Select(c => c.Input).ToList());
        var failures = new List<string>();
        for (int k = 0; k < cases.Count; k++)
        {
            string? diff = ProbeState.Diff(cases[k].Expected, host[k]);
            if (diff is not null)
            {
                failures.Add($"{cases[k]}\n  table vs host:{diff}");
            }
        }
        output.WriteLine($"{cases.Count} table cases run on the host");
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }
}

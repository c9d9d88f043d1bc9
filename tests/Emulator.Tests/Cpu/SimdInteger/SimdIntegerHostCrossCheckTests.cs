using Xunit.Abstractions;

namespace Emulator.Tests.Cpu.SimdInteger;

/// <summary>
/// Runs every non-faulting case of <c>Data/simd-integer.txt</c> on the host processor (the same
/// bytes and the same starting state, through <see cref="SimdHost"/>) and checks the table's
/// expected state against it. With <see cref="SimdIntegerTableTests"/> this proves emulator =
/// table = silicon for each line.
/// </summary>
public sealed class SimdIntegerHostCrossCheckTests(ITestOutputHelper output)
{
    [HostSimdFact]
    public void Table_matches_the_host_processor()
    {
        var cases = SimdCase.Load(SimdIntegerTableTests.DataPath).Where(c => c.Fault is null).ToList();

        var host = SimdHost.Run([.. cases.Select(c => (c.Instruction.Encode(), c.Input))]);

        var failures = new List<string>();
        for (int k = 0; k < cases.Count; k++)
        {
            List<string> diff = host[k].Diff(cases[k].Expected!);
            if (diff.Count != 0)
            {
                failures.Add($"{cases[k]}:\n  {string.Join("\n  ", diff)}");
            }
        }
        output.WriteLine($"{cases.Count} cases run on the host");
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }
}

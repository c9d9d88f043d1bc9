using Xunit.Abstractions;

namespace Emulator.Tests.Cpu.X87;

/// <summary>
/// Runs every case of <c>Data/x87.txt</c> on the host processor (the same instruction bytes in a
/// gcc-built program) and checks the table's outcome against it, bit for bit, status word included.
/// With <see cref="X87TableTests"/> this proves emulator = table = silicon. Setting
/// <c>X87_REGENERATE=1</c> rewrites the outcomes from the host instead (for new lines); review the diff.
/// </summary>
public sealed class X87HostCrossCheckTests(ITestOutputHelper output)
{
    [GccFact]
    public void Table_matches_the_host_processor()
    {
        string path = X87TableTests.DataPath;
        var cases = X87Case.Load(path).ToList();
        var host = X87Probe.RunOnHost(cases.Select(c => (c.Form, c.Inputs)).ToList());
        if (Environment.GetEnvironmentVariable("X87_REGENERATE") == "1")
        {
            string[] lines = File.ReadAllLines(path);
            for (int k = 0; k < cases.Count; k++)
            {
                lines[cases[k].Line - 1] = X87Case.WithOutcome(lines[cases[k].Line - 1], X87Inputs.Outcome(cases[k].Form, host[k]));
            }
            File.WriteAllLines(path, lines);
            output.WriteLine($"regenerated {cases.Count} outcomes from the host");
            return;
        }
        var failures = new List<string>();
        for (int k = 0; k < cases.Count; k++)
        {
            string got = X87Inputs.Outcome(cases[k].Form, host[k]);
            if (got != cases[k].Expected)
            {
                failures.Add($"{cases[k]}:\n  table {cases[k].Expected}\n  host  {got}");
            }
        }
        output.WriteLine($"{cases.Count} cases run on the host");
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }
}

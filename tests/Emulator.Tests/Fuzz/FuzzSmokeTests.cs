using System.Globalization;
using Emulator.Core.Text;
using Emulator.Fuzz;
using Xunit.Abstractions;

namespace Emulator.Tests.Fuzz;

/// <summary>The standing fuzzers, run for a bounded number of cases in every <c>dotnet test</c>
/// (seeded: the seed is in every failure), and every regression input ever kept.</summary>
/// <remarks>Longer runs: <c>tests/Fuzz/fuzz.sh TARGET SECONDS [SEED]</c> sets <c>EMULATOR_FUZZ_TARGET</c>,
/// <c>EMULATOR_FUZZ_SECONDS</c> and <c>EMULATOR_FUZZ_SEED</c> (and <c>EMULATOR_FUZZ_CASES</c> may bound the
/// cases), which these tests read, and <c>EMULATOR_FUZZ_FINDINGS</c>, where crashing inputs are written.</remarks>
[Trait("Category", "Fuzz")]
public sealed class FuzzSmokeTests(ITestOutputHelper output)
{
    /// <summary>Cases per target in a default run: a few seconds each on the CI machine.</summary>
    private static readonly Dictionary<string, int> DefaultCases = new()
    {
        ["trace"] = 8000,
        ["strace"] = 3000,
        ["elf"] = 40000,
        ["yaml"] = 15000,
        ["frames"] = 30000,
    };

    public static TheoryData<string> Targets() => [.. FuzzTargets.Names];

    [Theory]
    [MemberData(nameof(Targets))]
    public void Fuzz_smoke_finds_no_crash(string name)
    {
        if (Environment.GetEnvironmentVariable("EMULATOR_FUZZ_TARGET") is { Length: > 0 } only && only != name)
        {
            output.WriteLine($"EMULATOR_FUZZ_TARGET={only}: {name} not run");
            return;
        }
        int seed = EnvInt("EMULATOR_FUZZ_SEED") ?? 20_260_601 + name.Length;
        long cases = EnvInt("EMULATOR_FUZZ_CASES") ?? (EnvInt("EMULATOR_FUZZ_SECONDS") is null ? DefaultCases[name] : long.MaxValue);
        var time = TimeSpan.FromSeconds(EnvInt("EMULATOR_FUZZ_SECONDS") ?? 20);
        FuzzReport report = FuzzRunner.Run(FuzzTargets.Create(name), seed, cases, time);
        output.WriteLine(report.ToString());
        string? findings = Environment.GetEnvironmentVariable("EMULATOR_FUZZ_FINDINGS");
        foreach (FuzzCrash crash in report.Crashes)
        {
            output.WriteLine(crash.ToString());
            output.WriteLine("input: " + SafeText.Escape(System.Text.Encoding.Latin1.GetString(crash.Input), 4000));
            if (!string.IsNullOrEmpty(findings))
            {
                output.WriteLine("saved: " + FuzzCorpus.Save(findings, crash));
            }
        }
        // No input crashed the target (seed and case in the message reproduce it).
        Assert.True(report.Crashes.Count == 0, $"{report}\n{string.Join("\n", report.Crashes.Take(5))}");
        // The run did its share and took more than one path (a fuzzer stuck on one error tests nothing).
        Assert.True(report.Cases >= Math.Min(cases, 50), report.ToString());
        Assert.True(report.Signatures >= 3, report.ToString());
    }

    public static TheoryData<string, string> Regressions()
    {
        var data = new TheoryData<string, string>();
        foreach (string target in FuzzTargets.Names)
        {
            foreach ((string file, _) in FuzzCorpus.Regressions(target))
            {
                data.Add(target, file);
            }
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Regressions))]
    public void Regression_input_no_longer_crashes(string target, string file)
    {
        byte[] input = FuzzCorpus.Regressions(target).First(r => r.Name == file).Input;
        string? failure = FuzzRunner.RunOne(FuzzTargets.Create(target), input, out string signature);
        // Every crash ever found stays fixed.
        Assert.True(failure is null, $"{target}/{file}: {failure}");
        output.WriteLine($"{target}/{file}: {signature}");
    }

    private static int? EnvInt(string name) =>
        int.TryParse(Environment.GetEnvironmentVariable(name), NumberStyles.Integer, CultureInfo.InvariantCulture, out int v) ? v : null;
}

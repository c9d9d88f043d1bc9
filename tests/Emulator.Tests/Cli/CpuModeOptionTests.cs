using System.Text.Json;

namespace Emulator.Tests.Cli;

/// <summary><c>--cpu-mode jit|interp</c>: both modes give the same run of the built-in guest, and
/// the summary says how much was translated and how long that took.</summary>
public sealed class CpuModeOptionTests
{
    private static JsonElement Boot(CliTempDir dir, string mode, IReadOnlyDictionary<string, string?>? env = null)
    {
        string json = dir.File_($"{mode}.json");
        var r = CliProcess.Run(CliProcess.EmulatorPath, ["boot", "--ram", "64M", "--cpu-mode", mode, "--json", json], env: env);
        Assert.True(r.Rc == 0, r.ToString());
        Assert.Contains($"cpu: {mode}, ", r.Err); // the text summary names the mode
        using var doc = JsonDocument.Parse(File.ReadAllText(json));
        return doc.RootElement.Clone();
    }

    [Fact]
    public void Both_modes_run_the_built_in_guest_identically_and_only_jit_translates()
    {
        using var dir = new CliTempDir();
        // A low threshold, so the short built-in guest certainly reaches translated code.
        var env = new Dictionary<string, string?> { ["EMULATOR_JIT_THRESHOLD"] = "2", ["EMULATOR_CPU_MODE"] = null };

        JsonElement jit = Boot(dir, "jit", env), interp = Boot(dir, "interp", env);

        // Same instructions retired, syscalls, faults and context switches: translation changes speed, not the run.
        foreach (string field in new[] { "instructions", "syscalls", "page_faults", "context_switches", "virtual_ns" })
        {
            Assert.Equal(interp.GetProperty("guest").GetProperty(field).GetInt64(), jit.GetProperty("guest").GetProperty(field).GetInt64());
        }
        JsonElement jitCpu = jit.GetProperty("cpu"), interpCpu = interp.GetProperty("cpu");
        Assert.Equal("jit", jitCpu.GetProperty("mode").GetString());
        Assert.True(jitCpu.GetProperty("regions_translated").GetInt64() > 0); // the translator ran...
        Assert.True(jitCpu.GetProperty("instructions_translated").GetInt64() >= jitCpu.GetProperty("regions_translated").GetInt64());
        Assert.True(jitCpu.GetProperty("translation_ms").GetDouble() > 0); // ...and its time is counted
        Assert.Equal("interp", interpCpu.GetProperty("mode").GetString());
        Assert.Equal(0, interpCpu.GetProperty("regions_translated").GetInt64()); // the interpreter translates nothing
    }

    [Fact]
    public void An_unknown_mode_is_a_usage_error()
    {
        var r = CliProcess.Emulator("boot", "--cpu-mode", "fast");

        Assert.Equal(2, r.Rc); // usage error, nothing ran
        Assert.Contains("--cpu-mode", r.Err);
    }
}

using System.Diagnostics;

namespace Emulator.Cli.Bench;

/// <summary>
/// <c>guest-startup</c>: wall time of <c>emulator boot</c> running the built-in guest (a whole
/// process: .NET start-up, machine, guest, summary) with <c>--cpu-mode jit</c>, as a multiple of
/// the same with <c>--cpu-mode interp</c>. The translator must not slow a short run down by more
/// than 10% (issue 12). Each mode runs several times, alternating; the best of each counts.
/// </summary>
internal sealed class GuestStartupBenchmark : Benchmark
{
    public override string Name => "guest-startup";
    public override string Unit => "x";
    public override double Target => 1.10;
    public override bool HigherIsBetter => false;
    public override string Description => "wall time of `emulator boot` (built-in guest) with the translator, as a multiple of the interpreter's";

    public override BenchResult Run(bool quick)
    {
        string exe = Path.Combine(AppContext.BaseDirectory, OperatingSystem.IsWindows() ? "emulator.exe" : "emulator");
        if (!File.Exists(exe))
        {
            return Result(0, $"skipped: {exe} not found");
        }
        double jit = double.MaxValue, interp = double.MaxValue;
        for (int i = 0; i < (quick ? 3 : 7); i++)
        {
            jit = Math.Min(jit, TimeBoot(exe, "jit"));
            interp = Math.Min(interp, TimeBoot(exe, "interp"));
        }
        return Result(jit / interp, $"jit {jit * 1e3:0} ms, interp {interp * 1e3:0} ms (best of each)");
    }

    private static double TimeBoot(string exe, string mode)
    {
        var start = new ProcessStartInfo(exe)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string arg in (string[])["boot", "--ram", "64M", "--cpu-mode", mode])
        {
            start.ArgumentList.Add(arg);
        }
        start.Environment.Remove("EMULATOR_JIT_THRESHOLD");
        var sw = Stopwatch.StartNew();
        using var p = Process.Start(start) ?? throw new InvalidOperationException("guest-startup: could not start emulator");
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        p.WaitForExit();
        double seconds = sw.Elapsed.TotalSeconds;
        if (p.ExitCode != 0 || !stdout.Result.Contains(BuiltinGuest.Passed, StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"guest-startup: emulator boot --cpu-mode {mode} exited {p.ExitCode}: {stderr.Result}");
        }
        return seconds;
    }
}

using System.Diagnostics;

namespace Emulator.Tests.Cpu.SimdFloat;

/// <summary>
/// Runs <see cref="ProbeState"/> cases on the host processor: <c>host_probe.c</c> is compiled once per
/// test run with gcc and fed every case in one process. Callers are [GccFact] tests.
/// </summary>
internal static class HostProbe
{
    private static readonly Lazy<string> s_exe = new(Build, LazyThreadSafetyMode.ExecutionAndPublication);

    public static string SourcePath => Path.Combine(Trace.CorpusTests.RepoRoot(), "tests", "Emulator.Tests", "Cpu", "SimdFloat", "host_probe.c");

    /// <summary>The end state of every case on the host, in order.</summary>
    public static ProbeState[] Run(IReadOnlyList<ProbeState> cases)
    {
        var psi = new ProcessStartInfo(s_exe.Value)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var p = Process.Start(psi)!;
        Task writer = Task.Run(() =>
        {
            var buf = new byte[ProbeState.Size];
            Stream input = p.StandardInput.BaseStream;
            foreach (ProbeState c in cases)
            {
                c.WriteTo(buf);
                input.Write(buf);
            }
            input.Close();
        });
        Task<string> err = p.StandardError.ReadToEndAsync();
        var results = new ProbeState[cases.Count];
        var rec = new byte[ProbeState.Size];
        Stream output = p.StandardOutput.BaseStream;
        for (int k = 0; k < cases.Count; k++)
        {
            output.ReadExactly(rec);
            results[k] = ProbeState.ReadFrom(rec);
            results[k].Label = cases[k].Label;
        }
        writer.Wait();
        p.WaitForExit();
        Assert.True(p.ExitCode == 0, $"host probe exited {p.ExitCode}: {err.Result}");
        return results;
    }

    private static string Build()
    {
        string dir = Path.Combine(Path.GetTempPath(), $"simdfloat-probe-{Environment.ProcessId}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(dir);
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try
            {
                Directory.Delete(dir, recursive: true);
            }
            catch (IOException)
            {
            }
        };
        string exe = Path.Combine(dir, "host_probe");
        var psi = new ProcessStartInfo(GccFactAttribute.GccPath()!, $"-O1 -o {exe} {SourcePath}") { RedirectStandardError = true };
        using var p = Process.Start(psi)!;
        string err = p.StandardError.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0)
        {
            throw new InvalidOperationException($"gcc failed: {err}");
        }
        return exe;
    }
}

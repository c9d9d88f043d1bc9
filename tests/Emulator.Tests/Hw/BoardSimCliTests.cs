using System.Diagnostics;

namespace Emulator.Tests.Hw;

/// <summary>board-sim follows the project's command-line rules (README § Exit status): -h and -V exit 0
/// on stdout, an unknown option or a bad value is a usage error (2) naming it with a pointer to --help,
/// and a socket that cannot be bound is an environment failure (3).</summary>
public sealed class BoardSimCliTests
{
    private static (int Code, string Out, string Err) Run(params string[] args)
    {
        var psi = new ProcessStartInfo(HwSim.Binary) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string a in args)
        {
            psi.ArgumentList.Add(a);
        }
        using var p = Process.Start(psi)!;
        var err = p.StandardError.ReadToEndAsync();
        string stdout = p.StandardOutput.ReadToEnd();
        Assert.True(p.WaitForExit(30_000), "board-sim did not exit");
        return (p.ExitCode, stdout, err.Result);
    }

    [VerilatorFact]
    public void Help_and_version_exit_0_on_stdout()
    {
        var help = Run("--help");
        var version = Run("-V");

        Assert.Equal(0, help.Code);
        Assert.StartsWith("usage: board-sim", help.Out);
        Assert.Contains("Exit status", help.Out);
        Assert.Equal(0, version.Code);
        Assert.StartsWith("board-sim (Emulator gateware, Verilator ", version.Out);
    }

    [VerilatorFact]
    public void Usage_errors_exit_2_and_point_at_help()
    {
        foreach (string[] args in (string[][])[["--bogus"], ["stray"], ["--corrupt-rx-every", "x"], ["--corrupt-tx-every", "0"], ["--listen"]])
        {
            var r = Run(args);
            Assert.True(r.Code == 2, $"{string.Join(' ', args)}: exit {r.Code}");
            Assert.Contains("Try 'board-sim --help'", r.Err);
            Assert.Equal("", r.Out);
        }
    }

    [VerilatorFact]
    public void An_address_that_cannot_be_bound_exits_3()
    {
        string dir = Path.Combine(Path.GetTempPath(), "no-such-dir-" + Guid.NewGuid().ToString("N"));

        var r = Run("--unix", Path.Combine(dir, "s.sock"));

        Assert.Equal(3, r.Code);
        Assert.Contains("cannot listen on unix", r.Err);
    }
}

using System.Text.RegularExpressions;

namespace Emulator.Tests.Cli;

/// <summary><c>emulator board</c>, <c>emulator bench</c> and <c>firmware-stub</c>: exit codes and streams.</summary>
public sealed partial class BoardExitCodeTests : IDisposable
{
    private readonly CliTempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Probe_against_a_closed_port_is_the_environment_exit_3()
    {
        var r = CliProcess.Emulator("board", "probe", "--address", $"tcp:127.0.0.1:{CliTempDir.ClosedPort()}");

        Assert.Equal(3, r.Rc);
        Assert.Contains("connection refused", r.Err);
        Assert.Equal("", r.Out);
    }

    [Fact]
    public void Probe_with_a_malformed_configuration_is_exit_2()
    {
        var r = CliProcess.Emulator("board", "probe", "--config", _dir.Write("bad.yaml", "backend: board\nbogus: 1\n"));

        Assert.Equal(2, r.Rc);
        Assert.Contains("bad.yaml:2:1:", r.Err);
    }

    [Fact]
    public void Probe_and_selftest_against_the_stub_exit_0_with_results_on_stdout()
    {
        using var stub = CliProcess.Start(CliProcess.StubPath, ["--listen", "127.0.0.1:0"]);
        try
        {
            string line = stub.StandardOutput.ReadLine()!; // "listening on tcp 127.0.0.1:PORT"
            string port = ListeningPort().Match(line).Groups[1].Value;

            var probe = CliProcess.Emulator("board", "probe", "--address", $"tcp:127.0.0.1:{port}");
            var selftest = CliProcess.Emulator("board", "selftest", "--address", $"tcp:127.0.0.1:{port}");

            Assert.True(probe.Rc == 0, probe.ToString());
            Assert.Contains("board id", probe.Out);
            Assert.True(selftest.Rc == 0, selftest.ToString());
            Assert.Contains("selftest passed", selftest.Out);
        }
        finally
        {
            CliProcess.Interrupt(stub.Id);
            Assert.True(stub.WaitForExit(CliProcess.HangGuard));
            Assert.Equal(0, stub.ExitCode); // the stub exits 0 after Ctrl-C
        }
    }

    [Fact]
    public void A_selftest_whose_board_dies_mid_run_exits_3_naming_the_board_not_1()
    {
        // The stub holds every reply 1.5 s, so the selftest is still waiting on it when the stub is killed.
        using var stub = CliProcess.Start(CliProcess.StubPath, ["--listen", "127.0.0.1:0", "--delay-ms", "1500"]);
        string line = stub.StandardOutput.ReadLine()!;
        string port = ListeningPort().Match(line).Groups[1].Value;
        string config = _dir.Write("short.yaml",
            $"backend: board\ntransport: tcp\nsocket:\n  tcp: 127.0.0.1:{port}\ntimeouts:\n  connect: 3s\n  sync: 2s\n  heartbeat: 500ms\n");

        using var selftest = CliProcess.Start(CliProcess.EmulatorPath, ["board", "selftest", "--config", config]);
        string first = selftest.StandardOutput.ReadLine() ?? "";   // "selftest on ...": connected (HELLO took 1.5 s)
        Thread.Sleep(500);                                            // fills and invalidations sent, waiting on the SYNC
        stub.Kill(entireProcessTree: true);
        Assert.True(selftest.WaitForExit(CliProcess.HangGuard));
        string err = selftest.StandardError.ReadToEnd();

        Assert.StartsWith("selftest on", first);                      // the board was there, then went away

        Assert.True(selftest.ExitCode == 3, $"exit {selftest.ExitCode}: {err}");
        Assert.Contains("127.0.0.1:" + port, err);          // one line naming the board
    }

    [Fact]
    public void The_stub_refuses_unknown_options_with_2_and_a_busy_port_with_3()
    {
        var bogus = CliProcess.Run(CliProcess.StubPath, ["--bogus"]);
        var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        try
        {
            int port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
            var busy = CliProcess.Run(CliProcess.StubPath, ["--listen", $"127.0.0.1:{port}"]);

            Assert.Equal(2, bogus.Rc);
            Assert.Contains("firmware-stub: Unrecognized command or argument '--bogus'", bogus.Err);
            Assert.Equal(3, busy.Rc); // the environment (a port in use), not the command line
        }
        finally
        {
            listener.Stop();
        }
    }

    [Fact]
    public void Bench_rejects_an_unknown_name_with_2_and_prints_json_only_on_stdout()
    {
        var unknown = CliProcess.Emulator("bench", "no-such-bench");
        var json = CliProcess.Emulator("bench", "--quick", "--json", "tlb-hit");

        Assert.Equal(2, unknown.Rc);
        Assert.Contains("unknown benchmark 'no-such-bench'", unknown.Err);
        Assert.True(json.Rc == 0, json.ToString());
        using var doc = System.Text.Json.JsonDocument.Parse(json.Out); // stdout is exactly the JSON
        Assert.Equal("tlb-hit", doc.RootElement[0].GetProperty("name").GetString());
        Assert.Contains("running tlb-hit", json.Err); // progress went to stderr
    }

    [GeneratedRegex(@"listening on tcp [^ ]+:(\d+)")]
    private static partial Regex ListeningPort();
}

using System.Net;
using Emulator.Cli;
using Emulator.Cli.Bench;
using Emulator.FirmwareStub;
using Spectre.Console;

namespace Emulator.Tests.Cli;

/// <summary>Long runs that end early: Ctrl-C (exit 130 with what finished) and a board that dies
/// mid-run (exit 3 after one line naming it, instead of a timeout per CMD_SYNC).</summary>
public sealed class InterruptAndLossTests : IDisposable
{
    private readonly CliTempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    /// <summary>A trace that takes a noticeable time and ends with a failed expectation, so each one
    /// prints a result line as it finishes.</summary>
    private string LongFailingTrace(string name) =>
        _dir.Write(name, ReplayBenchmark.Generate(sva: true, 3000) + "read p 0x100000 4 => byte:0xee\n");

    [Fact]
    public async Task Ctrl_C_during_replay_prints_what_finished_and_exits_130()
    {
        for (int i = 0; i < 60; i++)
        {
            LongFailingTrace($"many/t{i:D3}.trace");
        }
        using var p = CliProcess.Start(CliProcess.EmulatorPath, ["replay", Path.Combine(_dir.Path, "many")]);
        var stderr = p.StandardError.ReadToEndAsync();
        string first = p.StandardOutput.ReadLine()!; // the first trace's result: the run is under way
        CliProcess.Interrupt(p.Id);
        string rest = p.StandardOutput.ReadToEnd();
        Assert.True(p.WaitForExit(CliProcess.HangGuard));

        Assert.Equal(130, p.ExitCode); // 128 + SIGINT
        Assert.Contains("t000.trace:", first); // results stream as each trace finishes
        Assert.Matches(@"interrupted after \d+ of 60 traces", await stderr);
        Assert.Contains("replayed (60 given)", rest); // the summary of what finished is still printed
    }

    [Fact]
    public async Task A_board_killed_mid_replay_stops_the_run_with_exit_3_and_one_line()
    {
        var board = new SoftBoard();
        var server = SoftBoardServer.Start(board, new IPEndPoint(IPAddress.Loopback, 0));
        string config = _dir.BoardConfig(server.TcpEndPoint!.Port, "timeouts:\n  sync: 200ms\n  heartbeat: 50ms\n  connect: 3s\n");
        var traces = new List<string>();
        for (int i = 0; i < 20; i++)
        {
            traces.Add(_dir.Write($"board/t{i:D2}.trace", ReplayBenchmark.Generate(sva: true, 3000)));
        }
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Ansi = AnsiSupport.No, Out = new AnsiConsoleOutput(new StringWriter()) });
        var started = DateTime.UtcNow;
        var run = Task.Run(() => ReplayCommand.Run(new ReplayCommand.ReplayArgs([.. traces], [], Config: config), console, stdout, stderr));
        while (board.Sids().Length == 0 && !run.IsCompleted)
        {
            await Task.Delay(5); // wait until the board has work, then kill it
        }
        await server.DisposeAsync();

        int rc = await run.WaitAsync(CliProcess.HangGuard);

        Assert.Equal(3, rc); // the environment failed: not "8 of 20 traces passed" with exit 1
        string err = stderr.ToString();
        Assert.True(err.Contains("lost the board tcp 127.0.0.1:", StringComparison.Ordinal), err); // one line naming the board and the last error
        Assert.Single(err.Split('\n'), l => l.Contains("lost the board", StringComparison.Ordinal));
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(30), $"took {DateTime.UtcNow - started}"); // not a timeout per SYNC
    }
}

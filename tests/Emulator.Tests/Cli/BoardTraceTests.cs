using System.Net;
using Emulator.Cli;
using Emulator.Cli.Tracing;
using Emulator.FirmwareStub;
using Spectre.Console;

namespace Emulator.Tests.Cli;

/// <summary><c>board_*</c> trace events on a replay against the software board: the backend's
/// invalidations and SYNCs, and the wire frames both ways, each naming the board link as its agent.</summary>
public sealed class BoardTraceTests : IDisposable
{
    private readonly CliTempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task Board_events_and_frames_are_traced_both_ways()
    {
        var board = new SoftBoard();
        await using var server = SoftBoardServer.Start(board, new IPEndPoint(IPAddress.Loopback, 0));
        // A generous SYNC timeout: the suite runs tests in parallel on 2 cores; a slow SYNC is not what this checks.
        string config = _dir.BoardConfig(server.TcpEndPoint!.Port, "timeouts:\n  sync: 10s\n  heartbeat: 1s\n");
        string trace = Path.Combine(Emulator.Tests.Trace.CorpusTests.RepoRoot(), "traces", "munmap-device.trace");
        string lines = _dir.File_("board.txt");
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Ansi = AnsiSupport.No, Out = new AnsiConsoleOutput(new StringWriter()) });
        var stdout = new StringWriter();
        var stderr = new StringWriter();

        int rc = await Task.Run(() => ReplayCommand.Run(
            new ReplayCommand.ReplayArgs([trace], [], Config: config) { Tracing = new TraceSettings("board_*", lines, null, false) },
            console, stdout, stderr));

        Assert.True(rc == 0, stdout + "\n" + stderr);
        string text = File.ReadAllText(lines);
        Assert.Contains(" board board_frame_tx type=Hello seq=", text); // the handshake, as sent
        Assert.Contains(" board board_frame_rx type=Caps seq=", text); // and as answered
        Assert.Contains(" board board_atc_inv sid=0x10 ", text); // the munmap's invalidation reached the board
        Assert.Contains(" board board_frame_tx type=AtcInv ", text); // on the wire
        Assert.Contains(" board board_sync_done result=complete", text);
        Assert.DoesNotContain(" smmu_cmd ", text); // the filter held
    }
}

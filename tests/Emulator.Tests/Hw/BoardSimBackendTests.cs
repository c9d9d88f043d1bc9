using Emulator.Cli;
using Emulator.Tests.Trace;
using Spectre.Console;

namespace Emulator.Tests.Hw;

/// <summary>The gateware as the emulator's ATC backend: the whole traces/ corpus replayed with
/// <c>--backend board</c> and lockstep (every completed SYNC compares the board's ATC_DUMP with the model),
/// and <c>emulator board probe/selftest</c>, against board-sim exactly as against the firmware stub.</summary>
public sealed class BoardSimBackendTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("board-sim-backend-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static IAnsiConsole Console(TextWriter output) =>
        AnsiConsole.Create(new AnsiConsoleSettings { Ansi = AnsiSupport.No, ColorSystem = ColorSystemSupport.NoColors, Out = new AnsiConsoleOutput(output) });

    [VerilatorFact]
    public async Task The_traces_corpus_replays_on_the_gateware_with_lockstep()
    {
        await using var board = await HwBoard.StartAsync("rtl");
        string config = Path.Combine(_dir, "hw-config.yaml");
        File.WriteAllText(config, $"""
            backend: board
            transport: unix
            socket:
              unix: {board.UnixPath}
            lockstep: true
            """);
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int rc = await Task.Run(() => ReplayCommand.Run(
            new ReplayCommand.ReplayArgs([Path.Combine(CorpusTests.RepoRoot(), "traces")], [], Config: config), Console(new StringWriter()), stdout, stderr));
        // rc 0: every trace's expectations held and lockstep found no translation on the board that the model
        // had dropped (a board-only entry fails the replay).
        Assert.True(rc == 0, stdout + "\n" + stderr);
        Assert.DoesNotContain("lockstep:", stdout.ToString() + stderr);
        await board.DisposeAsync();
        // 20 handshakes alone are ~1,200 clocks; the corpus's fills, invalidations and lockstep dumps are the rest.
        Assert.True(board.Sim!.Cycles > 5_000, $"the gateware ran only {board.Sim.Cycles} clocks: did the corpus reach it?");
    }

    [VerilatorFact]
    public async Task Board_selftest_and_probe_pass_against_the_gateware()
    {
        await using var board = await HwBoard.StartAsync("rtl");
        var config = BoardSetup.Load("board selftest", null, "board", "unix:" + board.UnixPath, TextWriter.Null)!;
        var output = new StringWriter();
        int selftest = await Task.Run(() => BoardCommand.Selftest(config, Console(output), TextWriter.Null));
        int probe = await Task.Run(() => BoardCommand.Probe(config, Console(output), TextWriter.Null));
        Assert.True(selftest == 0, output.ToString());
        Assert.Contains("selftest passed", output.ToString());
        Assert.Equal(0, probe);
        Assert.Contains("4657474100000001", output.ToString()); // the gateware's board id ("FGWA" 1), from CAPS
    }
}

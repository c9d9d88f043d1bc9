using System.Net;
using Emulator.Board;
using Emulator.Cli;
using Emulator.Core;
using Emulator.Core.Trace;
using Emulator.Core.Trace.Replay;
using Emulator.FirmwareStub;
using Emulator.Tests.Trace;
using Spectre.Console;

namespace Emulator.Tests.Board;

/// <summary>The board backend in a whole machine: traces replayed with every ATC invalidation also
/// sent to the software board, lockstep comparing its ATC with the model's, and the CLI on top.</summary>
public sealed class BoardBackendTests : IDisposable
{
    private static readonly BoardOptions Fast = new()
    {
        ResendAfter = TimeSpan.FromMilliseconds(20),
        SyncTimeout = TimeSpan.FromSeconds(10),
        HeartbeatInterval = TimeSpan.Zero,
        HostName = "test",
    };

    private readonly string _dir = Directory.CreateTempSubdirectory("board-backend-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private const string Lifecycle = """
        trace 1
        process p
        device gpu sid=0x10 ats pri
        bind gpu p
        mmap p 0x10000 32K rw
        write p 0x10000 32K seq32
        dma gpu p read 0x10000 32K => seq32
        munmap p 0x10000 8K
        dma gpu p read 0x10000 8 => fault
        expect atc gpu p 0x10000 absent
        dma gpu p read 0x12000 8K => seq32:0x800
        unbind gpu p
        expect count stale == 0
        """;

    private static (ReplayResult Result, BoardAtcBackend Backend) ReplayOnBoard(BoardLink link, string text, bool lockstep = true)
    {
        BoardAtcBackend? backend = null;
        var options = new ReplayOptions
        {
            Defaults = new MachineOptions { Backend = sim => backend = new BoardAtcBackend(sim, link, lockstep) },
        };
        var result = TraceReplayer.Run("board.trace", text, options);
        return (result, backend!);
    }

    [Fact]
    public void A_trace_on_the_board_backend_sends_every_invalidation_and_lockstep_finds_the_atcs_equal()
    {
        var board = new SoftBoard();
        var connector = new StubConnector(board);
        using var link = new BoardLink(connector, Fast);

        var (result, backend) = ReplayOnBoard(link, Lifecycle);

        Assert.True(result.Passed, string.Join("\n", result.Failures));
        Assert.True(connector.Sessions[0].Invalidations >= result.Counters.AtcInv); // each CMD_ATC_INV reached the board
        Assert.True(link.Stats.Fills > 0);                                             // the model's fills were mirrored
        Assert.True(backend.LockstepChecks > 0);
        Assert.DoesNotContain(backend.Divergences, d => d.OnBoardOnly);
        Assert.Equal(0, link.Pending);
    }

    [Fact]
    public void Lockstep_catches_a_board_that_acknowledges_invalidations_without_applying_them()
    {
        var board = new SoftBoard(faults: new SoftBoardFaults { IgnoreInvalidations = true });
        using var link = new BoardLink(new StubConnector(board), Fast);

        var (result, backend) = ReplayOnBoard(link, Lifecycle);

        Assert.True(result.Passed); // the model is coherent: only the board is wrong...
        var lie = Assert.Single(backend.Divergences, d => d.OnBoardOnly && d.Entry.Va == 0x10000); // ...and lockstep says where
        Assert.Equal(0x10u, lie.Sid);
        Assert.Contains("the board still holds", lie.ToString());
    }

    [Fact]
    public void Without_lockstep_the_lying_board_goes_unnoticed_which_is_what_lockstep_is_for()
    {
        var board = new SoftBoard(faults: new SoftBoardFaults { IgnoreInvalidations = true });
        using var link = new BoardLink(new StubConnector(board), Fast);

        var (result, backend) = ReplayOnBoard(link, Lifecycle, lockstep: false);

        Assert.True(result.Passed);
        Assert.Empty(backend.Divergences);
        Assert.True(board.GetAtc(0x10).Count > 0); // yet the board still holds translations of unmapped pages
    }

    [Fact]
    public void A_board_that_never_completes_makes_the_smmu_report_cerror_atc_inv_sync()
    {
        var board = new SoftBoard();
        using var link = new BoardLink(new StubConnector(board), Fast with { SyncTimeout = TimeSpan.FromMilliseconds(100) });
        Machine machine;
        var replayer = TraceReplayer.Start("hang.trace", new ReplayOptions
        {
            Defaults = new MachineOptions { Backend = sim => new BoardAtcBackend(sim, link, lockstep: false) },
        });
        foreach (var s in TraceParser.Parse("hang.trace", """
            trace 1
            process p
            device gpu sid=0x10 ats pri
            bind gpu p
            mmap p 0x10000 8K rw
            dma gpu p write 0x10000 8K byte:1
            """).Statements)
        {
            replayer.Step(s);
        }
        machine = replayer.Machine!;
        long before = machine.SmmuDriver!.Stats.AtcInvSyncErrors;
        board.Faults = new SoftBoardFaults { NeverComplete = true };

        replayer.Step(new MunmapStatement("p", 0x10000, 0x1000) { Line = 7 });

        Assert.True(machine.SmmuDriver.Stats.AtcInvSyncErrors > before); // the SMMU saw CMD_SYNC fail, as with a hung device
        Assert.True(link.Stats.SyncTimeouts > 0);
    }

    [Fact]
    public async Task Replay_with_a_board_config_runs_the_corpus_on_the_stub_over_tcp_with_lockstep()
    {
        var board = new SoftBoard();
        await using var server = SoftBoardServer.Start(board, new IPEndPoint(IPAddress.Loopback, 0));
        string config = Path.Combine(_dir, "hw-config.yaml");
        File.WriteAllText(config, $"""
            backend: board
            transport: tcp
            socket:
              tcp: 127.0.0.1:{server.TcpEndPoint!.Port}
            lockstep: true
            """);
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Ansi = AnsiSupport.No, ColorSystem = ColorSystemSupport.NoColors, Out = new AnsiConsoleOutput(new StringWriter()) });

        int rc = await Task.Run(() => ReplayCommand.Run(
            new ReplayCommand.ReplayArgs([Path.Combine(CorpusTests.RepoRoot(), "traces")], [], Config: config), console, stdout, stderr));

        Assert.True(rc == 0, stdout + "\n" + stderr);
        Assert.True(board.Sids().Length > 0); // the traces' devices reached the board
    }

    [Fact]
    public async Task Board_selftest_and_probe_pass_against_the_stub()
    {
        await using var server = SoftBoardServer.Start(new SoftBoard(), new IPEndPoint(IPAddress.Loopback, 0));
        var config = BoardSetup.Load("board selftest", null, "board", $"tcp:127.0.0.1:{server.TcpEndPoint!.Port}", TextWriter.Null)!;
        var output = new StringWriter();
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Ansi = AnsiSupport.No, ColorSystem = ColorSystemSupport.NoColors, Out = new AnsiConsoleOutput(output) });

        int selftest = await Task.Run(() => BoardCommand.Selftest(config, console, TextWriter.Null));
        int probe = await Task.Run(() => BoardCommand.Probe(config, console, TextWriter.Null));

        Assert.True(selftest == 0, output.ToString());
        Assert.Contains("selftest passed", output.ToString());
        Assert.Equal(0, probe);
        Assert.Contains("5354554200000001", output.ToString()); // the stub's board id, from CAPS
    }

    [Fact]
    public async Task Board_selftest_fails_on_a_lying_board()
    {
        var board = new SoftBoard(faults: new SoftBoardFaults { IgnoreInvalidations = true });
        await using var server = SoftBoardServer.Start(board, new IPEndPoint(IPAddress.Loopback, 0));
        var config = BoardSetup.Load("board selftest", null, "board", $"tcp:127.0.0.1:{server.TcpEndPoint!.Port}", TextWriter.Null)!;
        var output = new StringWriter();
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Ansi = AnsiSupport.No, ColorSystem = ColorSystemSupport.NoColors, Out = new AnsiConsoleOutput(output) });

        int rc = await Task.Run(() => BoardCommand.Selftest(config, console, TextWriter.Null));

        Assert.Equal(1, rc);
        Assert.Contains("on the board only", output.ToString());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Boot_on_the_board_passes_and_a_lying_board_fails_it_through_lockstep(bool lying)
    {
        var board = new SoftBoard(faults: lying ? new SoftBoardFaults { IgnoreInvalidations = true } : null);
        await using var server = SoftBoardServer.Start(board, new IPEndPoint(IPAddress.Loopback, 0));
        string config = Path.Combine(_dir, "boot.yaml");
        File.WriteAllText(config, $"backend: board\ntransport: tcp\nsocket:\n  tcp: 127.0.0.1:{server.TcpEndPoint!.Port}\nlockstep: true\n");
        var output = new StringWriter();
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Ansi = AnsiSupport.No, ColorSystem = ColorSystemSupport.NoColors, Out = new AnsiConsoleOutput(output) });

        int rc = await Task.Run(() =>
        {
            var hw = BoardSetup.Load("boot", config, null, null, TextWriter.Null)!;
            using var run = BoardRun.Open("boot", hw, TextWriter.Null, out bool failed)!;
            Assert.False(failed);
            int demo = BootCommand.Run(new MachineOptions { RamSize = 64UL << 20, Backend = run.Create }, console);
            return BootCommand.ReportBoard(run, console, demo);
        });

        Assert.Equal(lying ? 1 : 0, rc);
        Assert.Contains("lockstep", output.ToString());
        if (lying)
        {
            Assert.Contains("the board still holds", output.ToString()); // the model was coherent: only lockstep saw it
        }
    }

    [Fact]
    public async Task The_builtin_guest_runs_on_the_board_backend_with_lockstep()
    {
        var board = new SoftBoard();
        await using var server = SoftBoardServer.Start(board, new IPEndPoint(IPAddress.Loopback, 0));
        string config = Path.Combine(_dir, "guest.yaml");
        File.WriteAllText(config, $"backend: board\ntransport: tcp\nsocket:\n  tcp: 127.0.0.1:{server.TcpEndPoint!.Port}\nlockstep: true\n");
        var report = new StringWriter();
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Ansi = AnsiSupport.No, ColorSystem = ColorSystemSupport.NoColors, Out = new AnsiConsoleOutput(report) });

        int rc = await Task.Run(() =>
        {
            var hw = BoardSetup.Load("boot", config, null, null, TextWriter.Null)!;
            using var run = BoardRun.Open("boot", hw, TextWriter.Null, out _)!;
            using var stdout = new MemoryStream();
            int guest = GuestCommand.Run(BuiltinGuest.Build(), ["builtin"], new MachineOptions { RamSize = 64UL << 20, Backend = run.Create },
                report, stdout, Stream.Null);
            Assert.Contains("all checks passed", System.Text.Encoding.UTF8.GetString(stdout.ToArray()));
            Assert.True(run.Link.Stats.Invalidations > 0); // the guest's munmap and mremap reached the board
            Assert.True(run.Current!.LockstepChecks > 0);
            return BootCommand.ReportBoard(run, console, guest);
        });

        Assert.True(rc == 0, report.ToString());
    }

    [Fact]
    public void An_unreachable_board_is_exit_3_with_the_reason()
    {
        var stderr = new StringWriter();
        var config = BoardSetup.Load("board probe", null, "board", "unix:/nonexistent/board.sock", stderr)!;

        int rc = BoardCommand.Probe(config, AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(new StringWriter()) }), stderr);

        Assert.Equal(3, rc); // the environment failed
        Assert.Contains("/nonexistent/board.sock", stderr.ToString());
    }
}

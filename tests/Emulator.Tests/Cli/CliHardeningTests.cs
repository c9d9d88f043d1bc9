using System.Net;
using Emulator.Cli;
using Emulator.Core.Wire;
using Emulator.FirmwareStub;
using Emulator.Tests.Hardening;
using Spectre.Console;

namespace Emulator.Tests.Cli;

/// <summary>
/// The commands end to end on the hardening contract (docs/design/hardening.md): a board that hides
/// what its ATC holds fails the replay (exit 1, the finding printed with both views), a board that is
/// gone exits 3, and inputs that are devices, oversize or endless are located errors (exit 2) read in
/// bounded memory — what `BoardFailClosedTests` and `BoundedInputTests` prove for the library, here
/// through `replay`, `trace import-strace` and `boot --guest`.
/// </summary>
public sealed class CliHardeningTests : IDisposable
{
    private readonly CliTempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private static string Corpus(string name) => Path.Combine(Emulator.Tests.Trace.CorpusTests.RepoRoot(), "traces", name);

    private static IAnsiConsole Quiet() =>
        AnsiConsole.Create(new AnsiConsoleSettings { Ansi = AnsiSupport.No, Out = new AnsiConsoleOutput(new StringWriter()) });

    private static async Task<(int Rc, string Out, string Err)> ReplayOnBoard(string config, string trace)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int rc = await Task.Run(() => ReplayCommand.Run(new ReplayCommand.ReplayArgs([trace], [], Config: config), Quiet(), stdout, stderr));
        return (rc, stdout.ToString(), stderr.ToString());
    }

    [Fact]
    public async Task A_board_that_never_completes_its_invalidations_fails_the_replay_with_exit_1()
    {
        // Before: the replay passed with exit 0 and CERROR_ATC_INV_SYNC only in the log.
        var faults = new SoftBoardFaults { NeverComplete = true };
        await using var server = SoftBoardServer.Start(new SoftBoard(faults: faults), new IPEndPoint(IPAddress.Loopback, 0));
        string config = _dir.BoardConfig(server.TcpEndPoint!.Port, "timeouts:\n  sync: 300ms\n  connect: 3s\n");

        var (rc, stdout, stderr) = await ReplayOnBoard(config, Corpus("munmap-device.trace"));

        Assert.True(rc == 1, $"exit {rc}\n{stdout}\n{stderr}");                        // a finding, not a pass
        Assert.Contains("never completed", stdout);                                     // the finding, as a failure of the trace
        Assert.Contains("board " + SoftBoardOptions.DefaultBoardId.ToString("x16"), stdout); // with the board's identity
        Assert.Contains("  model: invalidated:", stdout);                               // and both views
        Assert.Contains("  board: no INV_COMPLETE", stdout);
    }

    [Fact]
    public async Task A_board_that_never_answers_a_lockstep_dump_fails_the_replay_with_exit_1()
    {
        // Before: a WARN and exit 0 — an unanswered dump hid whatever the board's ATC held.
        var faults = new SoftBoardFaults { DropEveryNth = 1, DropType = MessageType.AtcDump };
        await using var server = SoftBoardServer.Start(new SoftBoard(faults: faults), new IPEndPoint(IPAddress.Loopback, 0));
        string config = _dir.BoardConfig(server.TcpEndPoint!.Port, "lockstep: true\ntimeouts:\n  sync: 300ms\n  connect: 3s\n");

        var (rc, stdout, stderr) = await ReplayOnBoard(config, Corpus("munmap-device.trace"));

        Assert.True(rc == 1, $"exit {rc}\n{stdout}\n{stderr}");
        Assert.Contains("no ATC_DUMP_REPLY in time", stdout); // named as a dump that did not come
    }

    [Fact]
    public async Task The_same_trace_on_an_honest_board_passes_with_lockstep()
    {
        // The control for both tests above: the findings come from the faults, not from the set-up.
        await using var server = SoftBoardServer.Start(new SoftBoard(), new IPEndPoint(IPAddress.Loopback, 0));
        // A generous timeout: on a loaded machine a slow honest board must not look like a lying one.
        string config = _dir.BoardConfig(server.TcpEndPoint!.Port, "lockstep: true\ntimeouts:\n  sync: 10s\n  heartbeat: 1s\n  connect: 5s\n");

        var (rc, stdout, stderr) = await ReplayOnBoard(config, Corpus("munmap-device.trace"));

        Assert.True(rc == 0, $"exit {rc}\n{stdout}\n{stderr}");
    }

    [Theory]
    [InlineData("replay", "/dev/zero", "is a character device, not a trace file")]
    [InlineData("trace import-strace -o OUT", "/dev/zero", "is a character device, not a strace log file")]
    [InlineData("boot --guest", "/dev/zero", "is a character device, not an executable file")]
    public void A_device_where_a_file_is_required_is_a_usage_error_naming_it(string command, string path, string message)
    {
        // Before: replay and import-strace read /dev/zero until the process died of OutOfMemory (exit 134).
        string output = _dir.File_("out.trace");
        string[] args = [.. command.Replace("OUT", output).Split(' '), path];

        var r = CliProcess.Emulator(args);

        Assert.True(r.Rc == 2, r.ToString());
        Assert.Contains(message, r.Err);
        Assert.False(File.Exists(output)); // nothing written
    }

    [Fact]
    public void An_oversize_sparse_trace_is_refused_by_its_size_before_it_is_read()
    {
        string big = _dir.File_("big.trace");
        using (var f = File.Create(big))
        {
            f.SetLength(3L << 30); // 3 GiB of holes: costs nothing on disk, would cost 6 GiB as a string
        }

        var r = CliProcess.Emulator("replay", big);

        Assert.True(r.Rc == 2, r.ToString());
        Assert.Contains("big.trace:1:1: input is 3 GiB, larger than the 256 MiB limit for a trace (raise it with EMULATOR_MAX_TRACE=SIZE", r.Err);
    }

    [Fact]
    public void An_endless_stdin_stops_at_the_line_limit_in_bounded_memory()
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        // A header, then one line that never ends: read whole (as before) it never returns.
        using var endless = new StreamReader(new EndlessStream("trace 1\n", "x"));
        long before = GC.GetAllocatedBytesForCurrentThread();
        int rc = ReplayCommand.Run(new ReplayCommand.ReplayArgs(["-"], []), Quiet(), stdout, stderr, stdin: endless);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(2, rc);
        Assert.Contains("<stdin>:2:1048577: line longer than 1 MiB", stderr.ToString());
        Assert.True(allocated < 32L << 20, $"allocated {allocated >> 20} MiB"); // one line's buffer, not the stream
    }

    [Theory]
    [InlineData("replay")]
    [InlineData("trace import-strace -o OUT")]
    [InlineData("boot --guest")]
    [InlineData("boot --config")]
    public void A_file_name_with_terminal_controls_is_echoed_escaped(string command)
    {
        // A name that would turn the terminal red, return the cursor and reverse the text after it.
        string name = Path.Combine(_dir.Path, "\u001b[31mred\r\u202egnp.trace");
        string[] args = [.. command.Replace("OUT", _dir.File_("o.trace")).Split(' '), name];

        var r = CliProcess.Emulator(args);

        Assert.NotEqual(0, r.Rc);
        Assert.Contains("\\x1b[31mred\\r\\u202egnp.trace", r.Err); // shown, not obeyed
        Assert.DoesNotContain('\u001b', r.Err + r.Out);
        Assert.DoesNotContain('\r', r.Err + r.Out);
        Assert.DoesNotContain('\u202e', r.Err + r.Out);
    }

    [Fact]
    public void The_escaping_writer_passes_text_and_line_ends_and_escapes_only_what_acts_on_a_terminal()
    {
        var inner = new StringWriter { NewLine = "\n" };
        var w = new Emulator.Cli.Shell.SafeEchoWriter(inner);
        w.Write("a\tb\\c");          // TAB and a backslash are text
        w.WriteLine("\u001b[2J\u0085\u007f\u00e9"); // ESC, C1 NEL, DEL escaped as SafeText writes them (\\x below 0x80, \\u above); é is text
        w.Write('\a');

        Assert.Equal("a\tb\\c\\x1b[2J\\u0085\\x7f\u00e9\n\\x07", inner.ToString());
    }
}

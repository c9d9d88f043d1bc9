namespace Emulator.Tests.Cli;

/// <summary><c>emulator replay</c>'s exit codes and streams through the real executable.</summary>
public sealed class ReplayExitCodeTests : IDisposable
{
    private readonly CliTempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void A_passing_trace_exits_0_with_the_table_on_stdout_and_nothing_on_stderr()
    {
        var r = CliProcess.Emulator("replay", _dir.Write("ok.trace", CliTempDir.PassingTrace));

        Assert.True(r.Rc == 0, r.ToString());
        Assert.Contains("1 of 1 traces passed", r.Out);
        Assert.Equal("", r.Err); // a clean run is silent on stderr
    }

    [Fact]
    public void A_failed_expectation_is_a_finding_exit_1_reported_as_file_line_on_stdout()
    {
        string path = _dir.Write("bad.trace", CliTempDir.FailingTrace);

        var r = CliProcess.Emulator("replay", path);

        Assert.True(r.Rc == 1, r.ToString());
        Assert.Contains($"{path}:4: expected", r.Out); // results, parseable, one per line
    }

    [Fact]
    public void A_malformed_trace_is_exit_2_with_file_line_col_on_stderr()
    {
        string path = _dir.Write("malformed.trace", CliTempDir.MalformedTrace);

        var r = CliProcess.Emulator("replay", path);

        Assert.True(r.Rc == 2, r.ToString());
        Assert.Contains($"{path}:3:", r.Err);
    }

    [Fact]
    public void A_missing_file_is_the_environment_exit_3()
    {
        var r = CliProcess.Emulator("replay", _dir.File_("missing.trace"));

        Assert.Equal(3, r.Rc);
        Assert.Contains("missing.trace: no such file or directory", r.Err);
    }

    [Fact]
    public void Unknown_options_are_usage_errors_exit_2()
    {
        var r = CliProcess.Emulator("replay", "--jsn", _dir.Write("ok.trace", CliTempDir.PassingTrace));

        Assert.Equal(2, r.Rc);
        Assert.Contains("unknown option '--jsn' (did you mean '--json'?)", r.Err);
        Assert.Equal("", r.Out);
    }

    [Fact]
    public void A_dash_reads_the_trace_from_stdin()
    {
        var r = CliProcess.Run(CliProcess.EmulatorPath, ["replay", "-", "--json"], stdin: CliTempDir.PassingTrace);

        Assert.True(r.Rc == 0, r.ToString());
        Assert.Contains("\"file\": \"<stdin>\"", r.Out);
    }

    [Fact]
    public void A_board_that_does_not_answer_is_the_environment_exit_3()
    {
        string config = _dir.BoardConfig(CliTempDir.ClosedPort());

        var r = CliProcess.Emulator("replay", "--config", config, _dir.Write("ok.trace", CliTempDir.PassingTrace));

        Assert.Equal(3, r.Rc);
        Assert.Contains("connection refused", r.Err);
    }

    [Fact]
    public void Piped_output_has_no_colour_and_no_wrapping_unless_asked()
    {
        // A path longer than any terminal: piped, its table row must stay on one line.
        string deep = _dir.Write(new string('d', 120) + "/ok.trace", CliTempDir.PassingTrace);

        var plain = CliProcess.Emulator("replay", deep);
        var coloured = CliProcess.Emulator("replay", "--color", "always", deep);
        var noColor = CliProcess.Run(CliProcess.EmulatorPath, ["replay", deep], env: new Dictionary<string, string?> { ["NO_COLOR"] = "1" });

        Assert.Equal(0, plain.Rc);
        Assert.DoesNotContain("\u001b[", plain.Out); // no escape codes into a pipe
        Assert.Contains(plain.Out.Split('\n'), line => line.Contains(deep, StringComparison.Ordinal)); // the whole path on one line
        Assert.Contains("\u001b[", coloured.Out); // --color always forces colour even when piped
        Assert.DoesNotContain("\u001b[", noColor.Out);
    }
}

namespace Emulator.Tests.Cli;

/// <summary><c>emulator boot</c>'s exit codes and streams, through the real executable: the built-in
/// guest and the demonstration follow 0/1/2/3; strict parsing; guest arguments only after --.</summary>
public sealed class BootExitCodeTests : IDisposable
{
    private readonly CliTempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void The_builtin_guest_succeeds_with_its_output_on_stdout_and_the_summary_on_stderr()
    {
        var r = CliProcess.Emulator("boot", "--ram", "64M");

        Assert.True(r.Rc == 0, r.ToString());
        Assert.Equal("builtin guest: all checks passed\n", r.Out); // the guest owns stdout: nothing of ours
        Assert.Contains("oracle: coherent", r.Err); // the summary is on stderr
    }

    [Fact]
    public void An_injected_driver_bug_is_a_finding_exit_1()
    {
        var r = CliProcess.Emulator("boot", "--ram", "64M", "--inject", "skip-atc-inv");

        Assert.True(r.Rc == 1, r.ToString()); // the oracle fired (or the guest's checks failed): a finding
        Assert.Contains("coherence oracle fired", r.Err);
    }

    [Theory]
    [InlineData("--bogus", "unknown option '--bogus'")]
    [InlineData("stray", "unexpected argument 'stray'")]
    [InlineData("--paging 6", "--paging: argument '6' not recognized")]
    [InlineData("--seed nine", "expected a non-negative integer")]
    [InlineData("--vcpus 0", "--vcpus 0: expected 1..64")]
    [InlineData("-- arg", "arguments after -- are for a --guest program")]
    [InlineData("--demo --guest x", "choose one")]
    public void Bad_usage_exits_2_with_the_reason_on_stderr(string args, string reason)
    {
        var r = CliProcess.Emulator(["boot", "--ram", "64M", .. args.Split(' ')]);

        Assert.True(r.Rc == 2, r.ToString());
        Assert.Contains(reason, r.Err);
        Assert.Equal("", r.Out); // nothing ran
    }

    [Fact]
    public void A_typo_is_an_error_with_a_suggestion_not_a_silent_default()
    {
        var r = CliProcess.Emulator("boot", "--vcpus", "4", "--sed", "9");

        Assert.Equal(2, r.Rc); // the first complaint: this ran with defaults and exited 0
        Assert.Contains("unknown option '--sed' (did you mean '--seed'?)", r.Err);
    }

    [Fact]
    public void A_malformed_executable_is_bad_input_exit_2()
    {
        string notElf = _dir.Write("not-elf", "#!/bin/sh\necho hi\n");

        var r = CliProcess.Emulator("boot", "--ram", "64M", "--guest", notElf);

        Assert.True(r.Rc == 2, r.ToString());
        Assert.Contains("--guest " + notElf, r.Err);
    }

    [Fact]
    public void A_missing_executable_or_configuration_is_the_environment_exit_3()
    {
        var guest = CliProcess.Emulator("boot", "--guest", _dir.File_("missing"));
        var config = CliProcess.Emulator("boot", "--config", _dir.File_("missing.yaml"));

        Assert.Equal(3, guest.Rc);
        Assert.Contains("no such file", guest.Err); // plain words, not an exception's
        Assert.Equal(3, config.Rc);
        Assert.Contains("--config", config.Err);
    }

    [Fact]
    public void A_malformed_configuration_is_exit_2_and_an_unreachable_board_exit_3()
    {
        string bad = _dir.Write("bad.yaml", "backend: board\ntransprt: tcp\n");
        string closed = _dir.BoardConfig(CliTempDir.ClosedPort());

        var malformed = CliProcess.Emulator("boot", "--config", bad);
        var unreachable = CliProcess.Emulator("boot", "--config", closed);

        Assert.Equal(2, malformed.Rc);
        Assert.Contains("bad.yaml:2:1:", malformed.Err); // file:line:col
        Assert.Equal(3, unreachable.Rc);
        Assert.Contains("connection refused", unreachable.Err);
    }

    [Fact]
    public void The_demo_follows_0_and_1_and_a_record_file_that_cannot_be_written_is_3()
    {
        var ok = CliProcess.Emulator("boot", "--demo", "--ram", "64M");
        var bug = CliProcess.Emulator("boot", "--demo", "--ram", "64M", "--inject", "skip-tlbi");
        var record = CliProcess.Emulator("boot", "--record", _dir.File_("no-such-dir/x.trace"));

        Assert.True(ok.Rc == 0, ok.ToString());
        Assert.Contains("boot demo passed", ok.Out); // the demonstration's report is its result: stdout
        Assert.Equal(1, bug.Rc);
        Assert.Equal(3, record.Rc);
    }

    [Fact]
    public void Record_to_stdout_writes_only_the_trace_there()
    {
        var r = CliProcess.Emulator("boot", "--ram", "64M", "--record", "-");

        Assert.True(r.Rc == 0, r.ToString());
        Assert.StartsWith("# recorded by emulator boot", r.Out); // the trace, and nothing else, on stdout
        Assert.Contains("boot demo passed", r.Err);
    }
}

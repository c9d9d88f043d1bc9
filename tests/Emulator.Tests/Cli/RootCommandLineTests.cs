namespace Emulator.Tests.Cli;

/// <summary>The root of <c>emulator</c>: help, version, a missing or unknown command.</summary>
public class RootCommandLineTests
{
    [Fact]
    public void Version_is_printed_for_both_spellings_and_exits_0()
    {
        var longForm = CliProcess.Emulator("--version");
        var shortForm = CliProcess.Emulator("-V");

        Assert.Equal(0, longForm.Rc);
        Assert.Equal(0, shortForm.Rc);
        Assert.Matches(@"^\d+\.\d+\.\d+", longForm.Out); // a version number on stdout
        Assert.Equal(longForm.Out, shortForm.Out); // -V is the same option
    }

    [Fact]
    public void Help_documents_the_exit_status_and_exits_0()
    {
        var r = CliProcess.Emulator("--help");

        Assert.Equal(0, r.Rc);
        Assert.Contains("Exit status: 0 success; 1 ", r.Out); // the scheme is in --help, as the issue asks
        Assert.Contains("130 interrupted", r.Out);
        Assert.Equal("", r.Err);
    }

    [Theory]
    [InlineData("boot")]
    [InlineData("replay")]
    [InlineData("trace import-strace")]
    [InlineData("board probe")]
    [InlineData("board selftest")]
    [InlineData("bench")]
    public void Every_command_has_help_with_its_exit_status(string command)
    {
        var r = CliProcess.Emulator([.. command.Split(' '), "-h"]);

        Assert.Equal(0, r.Rc);
        Assert.Contains("Exit status:", r.Out); // each command documents the codes it returns
        Assert.Contains("--color <auto|always|never>", r.Out); // the global option reaches every command
    }

    [Fact]
    public void No_command_is_a_usage_error()
    {
        var r = CliProcess.Emulator();

        Assert.Equal(2, r.Rc);
        Assert.Contains("Try 'emulator --help'", r.Err);
        Assert.Equal("", r.Out); // errors never go to stdout
    }

    [Fact]
    public void An_unknown_command_is_a_usage_error_on_stderr()
    {
        var r = CliProcess.Emulator("bogus");

        Assert.Equal(2, r.Rc);
        Assert.Contains("emulator: unexpected argument 'bogus'", r.Err);
        Assert.Equal("", r.Out);
    }

    [Fact]
    public void A_bad_color_value_is_a_usage_error()
    {
        var r = CliProcess.Emulator("replay", "--color", "sometimes", "x.trace");

        Assert.Equal(2, r.Rc);
        Assert.Contains("--color sometimes: expected auto, always or never", r.Err);
    }

    [Fact]
    public void A_malformed_EMULATOR_LOG_is_a_usage_error()
    {
        var r = CliProcess.Run(CliProcess.EmulatorPath, ["--version"], env: new Dictionary<string, string?> { ["EMULATOR_LOG"] = "smmu=loud" });

        Assert.Equal(2, r.Rc); // an invalid level is an error, not silently "warn"
        Assert.Contains("'loud' is not a level", r.Err);
    }
}

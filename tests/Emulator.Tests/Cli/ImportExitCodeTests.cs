namespace Emulator.Tests.Cli;

/// <summary><c>emulator trace import-strace</c>'s exit codes and streams through the real executable.</summary>
public sealed class ImportExitCodeTests : IDisposable
{
    private readonly CliTempDir _dir = new();

    private const string Log = "1  mmap(NULL, 4096, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = 0x7f0000000000\n1  munmap(0x7f0000000000, 4096) = 0\n";

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void A_good_log_exits_0_with_the_summary_on_stdout()
    {
        string output = _dir.File_("out.trace");

        var r = CliProcess.Emulator("trace", "import-strace", _dir.Write("ok.strace", Log), "-o", output);

        Assert.True(r.Rc == 0, r.ToString());
        Assert.Contains("statements", r.Out);
        Assert.True(File.Exists(output));
    }

    [Fact]
    public void Stdin_to_stdout_puts_only_the_trace_on_stdout()
    {
        var r = CliProcess.Run(CliProcess.EmulatorPath, ["trace", "import-strace", "-", "-o", "-"], stdin: Log);

        Assert.True(r.Rc == 0, r.ToString());
        Assert.StartsWith("trace 1\n", r.Out); // the trace is the result
        Assert.Contains("<stdout>", r.Err); // the summary moved to stderr
    }

    [Fact]
    public void A_malformed_log_exits_2_and_writes_nothing()
    {
        string output = _dir.File_("out.trace");

        var r = CliProcess.Emulator("trace", "import-strace", _dir.Write("bad.strace", "oops\n"), "-o", output);

        Assert.Equal(2, r.Rc);
        Assert.Contains("bad.strace:1:1:", r.Err);
        Assert.False(File.Exists(output));
    }

    [Fact]
    public void A_missing_log_exits_3_and_a_directory_2()
    {
        var missing = CliProcess.Emulator("trace", "import-strace", _dir.File_("missing.strace"), "-o", _dir.File_("x"));
        var directory = CliProcess.Emulator("trace", "import-strace", _dir.Path, "-o", _dir.File_("x"));

        Assert.Equal(3, missing.Rc);
        Assert.Contains("no such file", missing.Err);
        Assert.Equal(2, directory.Rc);
        Assert.Contains("is a directory", directory.Err); // not "Access to the path ... is denied."
    }

    [Fact]
    public void A_missing_output_option_is_a_usage_error()
    {
        var r = CliProcess.Emulator("trace", "import-strace", _dir.Write("ok.strace", Log));

        Assert.Equal(2, r.Rc);
        Assert.Contains("--output", r.Err);
    }
}

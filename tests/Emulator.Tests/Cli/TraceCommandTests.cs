using Emulator.Cli;
using Emulator.Core.Trace;
using Emulator.Core.Trace.Replay;
using Emulator.Tests.Trace.Strace;

namespace Emulator.Tests.Cli;

/// <summary><c>emulator trace import-strace</c>, run in-process against temporary files.</summary>
public sealed class TraceCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("trace-cli-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static string Example(string name) => Path.Combine(StraceLineParserTests.DataDir, name);

    private string Write(string name, string text)
    {
        string path = Path.Combine(_dir, name);
        File.WriteAllText(path, text);
        return path;
    }

    private static (int Rc, string Out, string Err) Run(TraceCommand.ImportArgs args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int rc = TraceCommand.Run(args, stdout, stderr);
        return (rc, stdout.ToString(), stderr.ToString());
    }

    [Fact]
    public void Import_writes_a_trace_that_replays_and_prints_a_one_line_summary()
    {
        string output = Path.Combine(_dir, "python.trace");

        var (rc, stdout, stderr) = Run(new TraceCommand.ImportArgs(Example("python-json.strace"), output));

        Assert.Equal(TraceCommand.Ok, rc);
        Assert.Equal("", stderr);
        string line = Assert.Single(stdout.TrimEnd('\n').Split('\n'));
        Assert.Contains("79 processes from 1809 lines", line);
        Assert.Contains("skipped: wait4 x80", line); // unknown syscalls are counted, not errors
        var replay = TraceReplayer.Run(output, TraceParser.ParseFile(output));
        Assert.True(replay.Passed, string.Join("\n", replay.Failures));
    }

    [Fact]
    public void Import_with_a_device_through_the_command_line_binds_and_probes()
    {
        string output = Path.Combine(_dir, "malloc.trace");
        var command = TraceCommand.Create();

        int rc = command.Parse(["import-strace", Example("malloc-loop.strace"), "-o", output, "--device", "gpu", "--dma-probe", "2", "--seed", "5"]).Invoke();

        Assert.Equal(TraceCommand.Ok, rc);
        string text = File.ReadAllText(output);
        Assert.StartsWith("trace 1\ndevice gpu sid=1 ats pri\nprocess p5911\nbind gpu p5911\n", text);
        Assert.Contains("dma gpu p5911 ", text);
        var replay = TraceReplayer.Run(output, TraceParser.ParseFile(output));
        Assert.True(replay.Passed, string.Join("\n", replay.Failures));
    }

    [Fact]
    public void A_malformed_log_reports_every_bad_line_as_file_line_col_exits_2_and_writes_nothing()
    {
        string log = Write("bad.strace",
            "1  mmap(NULL, 4096, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = 0x7f0000000000\n" +
            "1  munmap(0x7f0000000000) = 0\n" +
            "oops\n");
        string output = Path.Combine(_dir, "bad.trace");

        var (rc, stdout, stderr) = Run(new TraceCommand.ImportArgs(log, output));

        Assert.Equal(TraceCommand.Usage, rc);
        Assert.Contains($"{log}:2:25: missing argument", stderr);
        Assert.Contains($"{log}:3:1: expected a system call 'NAME(...)', got 'oops'", stderr);
        Assert.Equal("", stdout);
        Assert.False(File.Exists(output)); // no partial trace
    }

    [Fact]
    public void A_missing_log_exits_3_and_bad_options_exit_2()
    {
        string output = Path.Combine(_dir, "x.trace");
        var missing = Run(new TraceCommand.ImportArgs(Path.Combine(_dir, "missing.strace"), output));
        Assert.Equal(3, missing.Rc); // the environment failed, not the command line
        Assert.EndsWith("missing.strace: no such file\n", missing.Err); // the user's words, not .NET's

        string log = Write("ok.strace", "1  brk(NULL) = 0x1000000\n");
        var badName = Run(new TraceCommand.ImportArgs(log, output, Device: "GPU"));
        Assert.Equal(TraceCommand.Usage, badName.Rc);
        Assert.Contains("--device GPU", badName.Err);

        var probesWithoutDevice = Run(new TraceCommand.ImportArgs(log, output, DmaProbes: 3, DmaProbeGiven: true));
        Assert.Equal(TraceCommand.Usage, probesWithoutDevice.Rc);
        Assert.False(File.Exists(output));
    }
}

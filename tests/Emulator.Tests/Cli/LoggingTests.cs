using System.Text.RegularExpressions;
using Emulator.Tests.Trace;

namespace Emulator.Tests.Cli;

/// <summary>Logging by component (<c>EMULATOR_LOG=smmu-driver=info</c>), <c>--log-file</c> with
/// timestamps, and warnings that name the trace they came from.</summary>
public sealed class LoggingTests : IDisposable
{
    private readonly CliTempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private static string Trace(string name) => Path.Combine(CorpusTests.RepoRoot(), "traces", name);

    private static CliProcess.Result Replay(string? log, params string[] args) =>
        CliProcess.Run(CliProcess.EmulatorPath, ["replay", .. args], env: new Dictionary<string, string?> { ["EMULATOR_LOG"] = log });

    [Fact]
    public void A_component_level_applies_to_that_component_only_and_names_the_trace()
    {
        string trace = Trace("munmap-device.trace");

        var r = Replay("smmu-driver=info", trace);

        Assert.Equal(0, r.Rc);
        Assert.Contains($"INFO emulator.smmu-driver: {trace}: SMMU at", r.Err); // the component's info, naming its trace
        Assert.DoesNotContain("DEBUG", r.Err); // nothing below the levels asked for
        Assert.DoesNotContain("emulator.pcie", r.Err); // other components stay at warn
    }

    [Fact]
    public void The_log_file_gets_timestamped_lines_and_stderr_stays_clean()
    {
        string log = _dir.File_("emulator.log");

        var r = Replay("debug", Trace("munmap-device.trace"), "--log-file", log);

        Assert.Equal(0, r.Rc);
        Assert.Equal("", r.Err);
        string first = File.ReadLines(log).First();
        Assert.Matches(new Regex(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3} (INFO|DEBUG) emulator\."), first); // timestamps in files
    }

    [Fact]
    public void A_passing_corpus_replay_writes_nothing_to_stderr()
    {
        var r = Replay(null, Path.Combine(CorpusTests.RepoRoot(), "traces"));

        Assert.True(r.Rc == 0, r.ToString());
        Assert.Equal("", r.Err); // the 18 unnamed WARN lines of the issue are gone: the oracle's findings are in the results
    }
}

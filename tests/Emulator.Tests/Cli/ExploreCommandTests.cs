using System.Text.Json;
using Emulator.Cli;
using Emulator.Cli.Shell;
using Emulator.Core.Iommu;
using Emulator.Core.Kernel;
using Emulator.Tests.Cpu;
using Emulator.Tests.Kernel.Sys;

namespace Emulator.Tests.Cli;

/// <summary>
/// <c>emulator explore</c>'s contract around the runs: shards split the seeds so that every seed runs
/// in exactly one shard, a merge of the shards' JSON results reports the unsharded run's failures, a
/// merge of results from different explorations (or one shard twice) is refused, and bad arguments
/// exit 2 before anything runs.
/// </summary>
public sealed class ExploreCommandTests
{
    private static readonly Lazy<(byte[] Elf, string Path)> s_race = new(() => GuestGcc.Build("sva-race"));

    private static ExplorePlan Plan(FaultInjection inject = FaultInjection.CompleteBeforeDrain) =>
        new(s_race.Value.Path, [], ScheduleStrategy.Random, 2, inject, Vcpus: 2, Devices: 1);

    private static ExploreResult RoundTrip(ExploreResult r) =>
        JsonSerializer.Deserialize<ExploreResult>(JsonSerializer.Serialize(r, ExploreJson.Options), ExploreJson.Options)!;

    [GccFact]
    public void Merged_shards_report_exactly_the_unsharded_failures()
    {
        var whole = ExploreCommand.Run(Plan(), s_race.Value.Elf, 5, 12, 0, 1);
        var shards = Enumerable.Range(0, 3).Select(k => RoundTrip(ExploreCommand.Run(Plan(), s_race.Value.Elf, 5, 12, k, 3))).ToList();

        Assert.NotEmpty(whole.Failures);                                             // the bug is there to be found
        Assert.Equal(12, shards.Sum(s => s.Runs));                                   // every seed ran once
        Assert.True(ExploreCommand.TryMerge(shards, out var merged, out string? error), error);
        Assert.Equal(whole.Failures.Select(f => (f.Seed, f.Finding, f.Reproduce)),
            merged!.Failures.Select(f => (f.Seed, f.Finding, f.Reproduce)));        // same seeds, same findings, same commands
        Assert.Equal("merged 3", merged.Shard);

        Assert.True(ExploreCommand.TryMerge(shards.Take(2).ToList(), out var partial, out _));
        Assert.Equal("merged 2 of 3", partial!.Shard);                               // a missing shard is visible
    }

    [GccFact]
    public void A_merge_of_different_explorations_or_a_repeated_shard_is_refused()
    {
        var a = ExploreCommand.Run(Plan(), s_race.Value.Elf, 1, 2, 0, 2);
        var b = ExploreCommand.Run(Plan(FaultInjection.None), s_race.Value.Elf, 1, 2, 1, 2);

        Assert.False(ExploreCommand.TryMerge([a, b], out _, out string? error));
        Assert.Contains("another exploration", error);
        Assert.False(ExploreCommand.TryMerge([a, a], out _, out error));
        Assert.Contains("given twice", error);
        Assert.False(ExploreCommand.TryMerge([], out _, out _));
    }

    [Fact]
    public void A_result_file_missing_a_field_is_a_json_error_not_a_half_read_record()
    {
        Assert.Throws<JsonException>(() => JsonSerializer.Deserialize<ExploreResult>("""{"guest":"g","args":[]}""", ExploreJson.Options));
        Assert.Throws<JsonException>(() => JsonSerializer.Deserialize<ExploreResult>(
            """{"guest":null,"args":[],"strategy":"random","depth":2,"steps":0,"inject":"","shard":"1/1","first_seed":1,"seeds":1,"runs":1,"seconds":0,"failures":[]}""",
            ExploreJson.Options));
    }

    private static (int Code, string Out, string Err) Cli(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int rc = EmulatorCli.Run(args, CliContext.ForStrings(stdout, stderr));
        return (rc, stdout.ToString(), stderr.ToString());
    }

    [Theory]
    [InlineData("--shard", "3/2")]
    [InlineData("--shard", "0/2")]
    [InlineData("--depth", "0")]
    [InlineData("--seeds", "0")]
    [InlineData("--inject", "no-such-bug")]
    [InlineData("--strategy", "dfs")]
    [InlineData("--sed", "9")]
    public void Bad_arguments_exit_2_before_anything_runs(string option, string value)
    {
        // The guest does not exist either: the argument error must be reported first, without reading it.
        string missing = Path.Combine(Path.GetTempPath(), "no-such-guest-" + Guid.NewGuid().ToString("N"));

        var (code, _, err) = Cli("explore", "--guest", missing, option, value);

        Assert.Equal(2, code);
        Assert.DoesNotContain("no-such-guest", err);
    }

    [Fact]
    public void A_missing_guest_is_an_environment_failure_3()
    {
        string missing = Path.Combine(Path.GetTempPath(), "no-such-guest-" + Guid.NewGuid().ToString("N"));

        var (code, _, err) = Cli("explore", "--guest", missing, "--seeds", "1");

        Assert.Equal(3, code);
        Assert.Contains(missing, err);
    }

    [GccFact]
    public void Exit_1_and_the_reproducing_command_when_a_schedule_fails_json_merges_to_the_same()
    {
        var found = Cli("explore", "--guest", s_race.Value.Path, "--seeds", "4", "--inject", "complete-before-drain");
        var clean = Cli("explore", "--guest", s_race.Value.Path, "--seeds", "4");
        string dir = Directory.CreateTempSubdirectory("explore-").FullName;
        var shardFiles = new List<string>();
        for (int k = 1; k <= 2; k++)
        {
            var part = Cli("explore", "--guest", s_race.Value.Path, "--seeds", "4", "--inject", "complete-before-drain", "--shard", $"{k}/2", "--json");
            string f = Path.Combine(dir, $"{k}.json");
            File.WriteAllText(f, part.Out);
            shardFiles.Add(f);
        }
        var merged = Cli(["explore", "merge", .. shardFiles]);
        File.WriteAllText(Path.Combine(dir, "bad.json"), "{\"guest\": 1}");
        var bad = Cli("explore", "merge", Path.Combine(dir, "bad.json"));

        Assert.Equal(1, found.Code);                                                   // a finding
        Assert.Contains("reproduce: emulator boot --guest", found.Out);
        Assert.Contains("--inject complete-before-drain", found.Out);
        Assert.Equal(0, clean.Code);
        Assert.Contains("0 failing", clean.Out);
        Assert.Equal(1, merged.Code);
        var seedLines = (string o) => o.Split('\n').Where(l => l.StartsWith("seed ", StringComparison.Ordinal)).ToArray();
        Assert.Equal(seedLines(found.Out), seedLines(merged.Out));                     // the shards together found what one run found
        Assert.Equal(2, bad.Code);                                                     // malformed input
    }

    [GccFact]
    public void One_schedule_can_be_followed_on_a_timeline_and_tracing_many_is_refused()
    {
        string timeline = Path.Combine(Directory.CreateTempSubdirectory("explore-tl-").FullName, "t.json");

        var one = Cli("explore", "--guest", s_race.Value.Path, "--seeds", "1", "--first-seed", "6", "--strategy", "pct", "--timeline", timeline, "--stats");
        var many = Cli("explore", "--guest", s_race.Value.Path, "--seeds", "5", "--timeline", timeline + "2");

        Assert.Equal(0, one.Code);
        using var doc = JsonDocument.Parse(File.ReadAllText(timeline));
        var names = doc.RootElement.GetProperty("traceEvents").EnumerateArray()
            .Where(e => e.TryGetProperty("name", out _)).Select(e => e.GetProperty("name").GetString()).ToHashSet();
        Assert.Contains(names, n => n!.StartsWith("atc_inv", StringComparison.Ordinal));   // the schedule's invalidations are on it
        Assert.Contains("invalidation", one.Out, StringComparison.OrdinalIgnoreCase);         // --stats printed
        Assert.Equal(2, many.Code);                                                            // one schedule, or none
        Assert.False(File.Exists(timeline + "2"));
    }
}

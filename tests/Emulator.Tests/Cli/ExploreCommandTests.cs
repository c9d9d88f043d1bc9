using System.Text.Json;
using Emulator.Cli;
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

    [Theory]
    [InlineData("--shard", "3/2")]
    [InlineData("--shard", "0/2")]
    [InlineData("--depth", "0")]
    [InlineData("--seeds", "0")]
    [InlineData("--inject", "no-such-bug")]
    [InlineData("--strategy", "dfs")]
    public void Bad_arguments_exit_2_before_anything_runs(string option, string value)
    {
        string missing = Path.Combine(Path.GetTempPath(), "no-such-guest-" + Guid.NewGuid().ToString("N"));
        // The guest does not exist either: an argument error must be reported first, without reading it...
        int rc = ExploreCommand.Create().Parse(["--guest", missing, option, value]).Invoke();
        Assert.Equal(2, rc);
    }

    [Fact]
    public void A_missing_guest_exits_2()
    {
        string missing = Path.Combine(Path.GetTempPath(), "no-such-guest-" + Guid.NewGuid().ToString("N"));
        Assert.Equal(2, ExploreCommand.Create().Parse(["--guest", missing, "--seeds", "1"]).Invoke());
    }
}

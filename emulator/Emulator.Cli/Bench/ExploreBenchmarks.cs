using Emulator.Core.Iommu;
using Emulator.Core.Kernel;

namespace Emulator.Cli.Bench;

/// <summary>
/// <c>explore-schedules</c>: schedules per second that <c>emulator explore</c> runs over the standard
/// racing guest (tests/guests/sva-race.c: a copy in flight through the portal while its source is
/// unmapped), random strategy, two vCPUs, a correct driver and device — so every schedule must come
/// out clean, and the benchmark fails otherwise. Each schedule is a fresh machine and kernel.
/// </summary>
internal sealed class ExploreSchedulesBenchmark : Benchmark
{
    public override string Name => "explore-schedules";
    public override string Unit => "ops/s";
    public override double Target => 50;
    public override string Description => "race exploration: schedules per second of the standard racing guest (random, 2 vCPUs)";

    public override BenchResult Run(bool quick)
    {
        if (!RacingGuest.TryBuild(out byte[] elf, out string path, out string? why))
        {
            return Result(0, why);
        }
        var plan = new ExplorePlan(path, ["3"], ScheduleStrategy.Random, 2, FaultInjection.None, Vcpus: 2, Devices: 1);
        ExploreCommand.Run(plan, elf, 1, 10, 0, 1); // warm-up
        int seeds = quick ? 100 : 500;
        var r = ExploreCommand.Run(plan, elf, 1000, seeds, 0, 1);
        if (r.Failures.Count > 0)
        {
            throw new InvalidOperationException($"explore-schedules: seed {r.Failures[0].Seed} failed with a correct driver and device: {r.Failures[0].Finding}");
        }
        return Result(r.Runs / r.Seconds, $"{r.Runs} schedules of sva-race 3 in {r.Seconds:0.00} s, none failing");
    }
}

/// <summary>
/// <c>pct-find-depth2</c>: the mean number of schedules PCT at depth 2 needs to hit the
/// <c>complete-before-drain</c> bug in the standard racing guest (one round: a copy in flight while
/// its source is unmapped) — the seeds explored over the schedules that found it. The target is PCT's
/// guarantee for a bug of depth 2 with n agents and k steps, a hit with probability at least
/// 1/(n·k), so a mean of at most n·k schedules. Random scheduling's figure is in the detail.
/// </summary>
internal sealed class PctFindDepth2Benchmark : Benchmark
{
    public override string Name => "pct-find-depth2";
    public override string Unit => "schedules";
    public override double Target => 56; // n·k for sva-race: 2 agents (the thread, the device), k = 28 steps
    public override bool HigherIsBetter => false;
    public override string Description => "mean schedules PCT (depth 2) needs to find complete-before-drain in the standard racing guest";

    public override BenchResult Run(bool quick)
    {
        if (!RacingGuest.TryBuild(out byte[] elf, out string path, out string? why))
        {
            return Result(0, why);
        }
        int seeds = quick ? 300 : 2000;
        var pct = ExploreCommand.Run(new ExplorePlan(path, [], ScheduleStrategy.Pct, 2, FaultInjection.CompleteBeforeDrain, Vcpus: 1, Devices: 1), elf, 1, seeds, 0, 1);
        var random = ExploreCommand.Run(new ExplorePlan(path, [], ScheduleStrategy.Random, 2, FaultInjection.CompleteBeforeDrain, Vcpus: 1, Devices: 1), elf, 1, seeds, 0, 1);
        // None found: the figure is the schedules tried (the mean is at least that), and the detail says so.
        double Mean(ExploreResult r) => (double)r.Runs / Math.Max(1, r.Failures.Count);
        foreach (var f in pct.Failures.Concat(random.Failures))
        {
            if (!f.Finding.StartsWith("oracle:", StringComparison.Ordinal))
            {
                throw new InvalidOperationException($"pct-find-depth2: seed {f.Seed} failed, but not by the oracle: {f.Finding}");
            }
        }
        return Result(Mean(pct),
            $"PCT: {pct.Failures.Count} of {pct.Runs} schedules found it (k = {pct.Steps} steps, bound n·k = {2 * pct.Steps}); random: {random.Failures.Count} of {random.Runs} (mean {Mean(random):0.#})");
    }
}

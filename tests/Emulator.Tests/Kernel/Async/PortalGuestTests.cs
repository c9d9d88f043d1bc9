using Emulator.Cli;
using Emulator.Core.Iommu;
using Emulator.Core.Kernel;
using Emulator.Tests.Kernel.Sys;

namespace Emulator.Tests.Kernel.Async;

/// <summary>
/// tests/guests/sva-portal.c on the asynchronous device: descriptors submitted through the portals
/// (MOVDIR64B, ENQCMD) execute step by step while the CPU unmaps, moves, write-protects and discards
/// their buffers, forks, exits with work queued, and drives two devices. With a correct driver and
/// device no schedule finds anything; each injected bug is found within a stated number of seeds, and
/// the failing seed replays to the same finding.
/// </summary>
public sealed class PortalGuestTests
{
    private static readonly Lazy<(byte[] Elf, string Path)> s_guest = new(() => GuestGcc.Build("sva-portal"));

    private static ExplorePlan Plan(ScheduleStrategy strategy, FaultInjection inject, int depth = 3) =>
        new(s_guest.Value.Path, ["6"], strategy, depth, inject, Vcpus: 2, Devices: 2);

    [GccTheory]
    [InlineData(1, 1UL)]
    [InlineData(2, 8UL)]
    public void Portal_submissions_complete_and_every_race_stays_coherent(int vcpus, ulong seed)
    {
        var rig = new GuestRig(new GuestKernelOptions { Vcpus = vcpus, Seed = seed }, device: true);
        var r = rig.Run(s_guest.Value.Elf, s_guest.Value.Path, "6");

        Assert.True(r.Init!.WaitStatus == 0, $"{rig.Out}\n{string.Join("\n", r.Processes)}");
        Assert.Contains("portals ok\n", rig.Out);
        Assert.Contains("every race completed\n", rig.Out);
        Assert.Contains("unbind drained\n", rig.Out);
        var engine = rig.Kernel.Devices[0].Async;
        Assert.True(engine.Submitted >= 6 + 2 + 4 + 3, $"{engine.Submitted} descriptors");   // through the portals
        Assert.Equal(engine.Submitted, engine.Completed);                                  // all ran, the exited child's drained
        rig.AssertCoherent();
    }

    [GccFact]
    public void No_schedule_finds_anything_with_a_correct_driver_and_device()
    {
        var random = ExploreCommand.Run(Plan(ScheduleStrategy.Random, FaultInjection.None), s_guest.Value.Elf, 1, 6, 0, 1);
        var pct = ExploreCommand.Run(Plan(ScheduleStrategy.Pct, FaultInjection.None), s_guest.Value.Elf, 1, 4, 0, 1);

        Assert.Empty(random.Failures);
        Assert.Empty(pct.Failures);
    }

    [GccTheory]
    [InlineData(FaultInjection.CompleteBeforeDrain, 12)]
    [InlineData(FaultInjection.SkipAtcInv, 3)]
    [InlineData(FaultInjection.SkipSyncWait, 3)]
    public void Each_injected_bug_is_found_within_a_few_seeds_and_its_seed_replays(FaultInjection inject, int seeds)
    {
        var plan = Plan(ScheduleStrategy.Random, inject);

        var result = ExploreCommand.Run(plan, s_guest.Value.Elf, 1, seeds, 0, 1);

        var first = Assert.Single(result.Failures.Take(1));
        Assert.Contains("oracle:", first.Finding);                                        // the oracle caught it
        Assert.Contains($"--seed {first.Seed}", first.Reproduce);
        var again = ExploreCommand.RunOne(plan, s_guest.Value.Elf, first.Seed, SchedulePolicy.Default);
        Assert.Equal(first.Finding, again.Finding);                                        // the same schedule, the same finding
    }

    private static readonly Lazy<(byte[] Elf, string Path)> s_race = new(() => GuestGcc.Build("sva-race"));

    [GccFact]
    public void Pct_at_depth_2_finds_complete_before_drain_in_the_standard_racing_guest_and_nothing_without_it()
    {
        ExplorePlan Race(FaultInjection inject) => new(s_race.Value.Path, [], ScheduleStrategy.Pct, 2, inject, Vcpus: 1, Devices: 1);

        var clean = ExploreCommand.Run(Race(FaultInjection.None), s_race.Value.Elf, 1, 60, 0, 1);
        var buggy = ExploreCommand.Run(Race(FaultInjection.CompleteBeforeDrain), s_race.Value.Elf, 1, 60, 0, 1);

        Assert.Empty(clean.Failures);
        Assert.NotEmpty(buggy.Failures);                    // the seeds are fixed, so this is not luck: it holds on every run
        Assert.All(buggy.Failures, f => Assert.StartsWith("oracle:", f.Finding));
        Assert.InRange(buggy.Steps, 10, 200);               // k: the guest stays small enough for depth-2 PCT
        var again = ExploreCommand.RunOne(Race(FaultInjection.CompleteBeforeDrain), s_race.Value.Elf, buggy.Failures[0].Seed,
            new SchedulePolicy(ScheduleStrategy.Pct, 2, buggy.Steps));
        Assert.Equal(buggy.Failures[0].Finding, again.Finding);
    }

    [GccFact]
    public void A_seed_gives_the_same_run_down_to_the_device_counters()
    {
        KernelRunResult Once(out GuestRig rig)
        {
            rig = new GuestRig(new GuestKernelOptions { Vcpus = 2, Seed = 21 });
            return rig.Run(s_guest.Value.Elf, s_guest.Value.Path, "6");
        }

        var a = Once(out var ra);
        var b = Once(out var rb);

        Assert.Equal(a.Instructions, b.Instructions);
        Assert.Equal(ra.Out, rb.Out);
        Assert.Equal(ra.Kernel.Devices[0].Async.Steps, rb.Kernel.Devices[0].Async.Steps);
        Assert.Equal(ra.Machine.SmmuDriver!.Stats.TotalCommands, rb.Machine.SmmuDriver!.Stats.TotalCommands);
        Assert.Equal(ra.Kernel.Devices[0].Engine.Device.DrainedAccesses, rb.Kernel.Devices[0].Engine.Device.DrainedAccesses);
    }
}

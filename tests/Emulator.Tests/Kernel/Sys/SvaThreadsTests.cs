using Emulator.Core;
using Emulator.Core.Iommu;
using Emulator.Core.Kernel;

namespace Emulator.Tests.Kernel.Sys;

/// <summary>
/// tests/guests/sva-threads.c: worker threads of one process share its PASID and submit copies,
/// fills and CRCs to /dev/sva0 while a mutator thread munmaps, remaps, mremaps and mprotects the
/// buffers under them, forked children bind and DMA, and two processes hand one PASID over. The
/// oracle must stay coherent for every seed and vCPU count, and every fault-injection switch must
/// make it fire.
/// </summary>
public sealed class SvaThreadsTests
{
    [GccTheory]
    [InlineData(1, 1UL)]
    [InlineData(2, 3UL)]
    [InlineData(3, 11UL)]
    [InlineData(4, 12345UL)]
    public void Concurrent_submissions_and_unmaps_stay_coherent(int vcpus, ulong seed)
    {
        var (elf, exe) = GuestGcc.Build("sva-threads");
        var rig = new GuestRig(new GuestKernelOptions { Vcpus = vcpus, Seed = seed });

        var r = rig.Run(elf, exe);

        // Every submission completed with SUCCESS or PAGE_FAULT and every check in the guest passed.
        Assert.True(r.Init!.WaitStatus == 0, $"seed {seed}: {r.Init}\n{rig.Out}\n{string.Join("\n", r.Processes)}");
        Assert.Contains("failures=0\n", rig.Out);
        // The device really raced the mutator: it was invalidated and faulted pages in through PRI.
        Assert.True(rig.Machine.SmmuDriver!.Stats.Commands(Core.Smmu.CommandOpcode.AtcInv) > 10, "ATC invalidations");
        Assert.True(rig.Machine.SmmuDriver.Stats.PageRequests > 10, "page requests");
        rig.AssertCoherent();
    }

    [GccFact]
    public void A_seed_reproduces_the_run_down_to_the_invalidation_counts()
    {
        var (elf, exe) = GuestGcc.Build("sva-threads");
        var a = new GuestRig(new GuestKernelOptions { Vcpus = 3, Seed = 42 });
        var b = new GuestRig(new GuestKernelOptions { Vcpus = 3, Seed = 42 });

        var ra = a.Run(elf, exe);
        var rb = b.Run(elf, exe);

        Assert.Equal(ra.Instructions, rb.Instructions);
        Assert.Equal(a.Out, b.Out);
        var sa = a.Machine.SmmuDriver!.Stats;
        var sb = b.Machine.SmmuDriver!.Stats;
        Assert.Equal(sa.TotalCommands, sb.TotalCommands); // every TLBI, ATC_INV, CFGI and SYNC, in the same number
        Assert.Equal(sa.PageRequests, sb.PageRequests);
        Assert.Equal(a.Machine.Oracle.Checked, b.Machine.Oracle.Checked);
    }

    [GccTheory]
    [InlineData(FaultInjection.SkipAtcInv)]
    [InlineData(FaultInjection.SkipTlbi)]
    [InlineData(FaultInjection.SkipCfgi)]
    [InlineData(FaultInjection.SkipSyncWait)]
    public void Every_injected_driver_bug_makes_the_oracle_fire(FaultInjection inject)
    {
        var (elf, exe) = GuestGcc.Build("sva-threads");
        var rig = new GuestRig(new GuestKernelOptions { Vcpus = 2, Seed = 3 }, inject: inject);

        var r = rig.Run(elf, exe);

        // The skipped invalidation let the device use a translation the mm had taken away.
        var oracle = rig.Machine.Oracle;
        Assert.True(oracle.Stale + oracle.Violations > 0, $"{inject}: the oracle saw nothing ({oracle.Checked} accesses checked)\n{rig.Out}\n{string.Join("\n", r.Processes)}");
    }
}

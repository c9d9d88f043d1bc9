using Emulator.Core.Kernel;

namespace Emulator.Tests.Kernel.Sys;

/// <summary>
/// Threads, futexes, signals, virtual-time sleeps, vfork and execve through tests/guests/kernel-tasks.c,
/// a freestanding guest that checks every result itself (a failed check prints "FAIL ..." and counts),
/// on one and on several vCPUs.
/// </summary>
public sealed class KernelTaskTests
{
    [GccTheory]
    [InlineData(1, 1UL)]
    [InlineData(2, 7UL)]
    [InlineData(4, 99UL)]
    public void Threads_futexes_signals_sleeps_and_exec_behave_as_on_Linux(int vcpus, ulong seed)
    {
        var (elf, exe) = GuestGcc.Build("kernel-tasks");
        var rig = new GuestRig(new GuestKernelOptions { Vcpus = vcpus, Seed = seed });

        var r = rig.Run(elf, exe);

        // Every check inside the guest passed (its exit code is the number of failures).
        Assert.True(r.Init!.WaitStatus == 0, $"{r.Init}\n{rig.Out}\n{string.Join("\n", r.Processes)}");
        Assert.Equal("threads ok\nsignals ok\nexec ok\n", rig.Out);
        // The exec'd child exited 42 through the new image.
        Assert.Equal(42, r.Processes[1].ExitCode);
        // Handlers ran through real signal frames (SIGUSR1 twice, SIGSEGV, SIGALRM).
        Assert.Equal(4, r.SignalsDelivered);
        // alarm(1) + pause and the sleeps advanced the virtual clock past a second.
        Assert.True(r.VirtualNanoseconds >= 1_000_000_000, $"{r.VirtualNanoseconds} ns");
    }

    [GccFact]
    public void The_same_seed_gives_the_same_run_on_four_vcpus()
    {
        var (elf, exe) = GuestGcc.Build("kernel-tasks");
        var a = new GuestRig(new GuestKernelOptions { Vcpus = 4, Seed = 5 });
        var b = new GuestRig(new GuestKernelOptions { Vcpus = 4, Seed = 5 });

        var ra = a.Run(elf, exe);
        var rb = b.Run(elf, exe);

        Assert.Equal(ra.Instructions, rb.Instructions); // the same interleaving, instruction for instruction
        Assert.Equal(ra.VirtualNanoseconds, rb.VirtualNanoseconds);
        Assert.Equal(ra.ContextSwitches, rb.ContextSwitches);
        Assert.Equal(a.Out, b.Out);
    }
}

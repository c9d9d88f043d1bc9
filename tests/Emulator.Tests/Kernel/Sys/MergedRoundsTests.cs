using Emulator.Core.Cpu;
using Emulator.Core.Kernel;

namespace Emulator.Tests.Kernel.Sys;

/// <summary>
/// The scheduler runs several ticks in one <c>Cpu.Run</c> when nothing could happen between
/// scheduler rounds (GuestKernel.RunBudget). That must not change the run: a guest whose output
/// depends on exactly where interval-timer signals land, with threads coming and going and sleeps,
/// gives the same output, instruction count, context switches, signals, system calls and virtual
/// time with merging on and off, on one vCPU and on two.
/// </summary>
public sealed class MergedRoundsTests
{
    /// <summary>Two threads spin while main counts loop turns until 20 SIGALRMs (virtual time, so
    /// instruction counts) arrived; then main sleeps and spins alone between sleeps, so the
    /// sleepers' deadlines bound the merged runs too.</summary>
    private const string Source = """
        #include <pthread.h>
        #include <signal.h>
        #include <stdio.h>
        #include <sys/time.h>
        #include <time.h>
        static volatile sig_atomic_t ticks;
        static void on_alarm(int s) { (void)s; ticks++; }
        static void *spin(void *arg) {
            unsigned long x = (unsigned long)arg;
            for (long i = 0; i < 100000; i++) x = x * 6364136223846793005UL + 1442695040888963407UL;
            return (void *)x;
        }
        int main(void) {
            signal(SIGALRM, on_alarm);
            struct itimerval it = { { 0, 700 }, { 0, 700 } };
            setitimer(ITIMER_REAL, &it, 0);
            pthread_t t[2];
            for (long i = 0; i < 2; i++) pthread_create(&t[i], 0, spin, (void *)(i + 1));
            unsigned long loops = 0, sum = 0, after = 0;
            while (ticks < 20) loops++;
            for (int i = 0; i < 2; i++) { void *r; pthread_join(t[i], &r); sum ^= (unsigned long)r; }
            struct itimerval off = { { 0, 0 }, { 0, 0 } };
            setitimer(ITIMER_REAL, &off, 0);
            for (int k = 0; k < 3; k++) {
                struct timespec ts = { 0, 50000 };
                nanosleep(&ts, 0);
                struct timespec a, b;
                clock_gettime(CLOCK_MONOTONIC, &a);
                do { after++; clock_gettime(CLOCK_MONOTONIC, &b); } while ((b.tv_nsec - a.tv_nsec + 1000000000L * (b.tv_sec - a.tv_sec)) < 30000);
            }
            printf("ticks %d loops %lu sum %lx after %lu\n", (int)ticks, loops, sum, after);
            return 0;
        }
        """;

    private static readonly Lazy<(byte[] Bytes, string Path)> s_guest = new(() => Gcc.Compile(Source, "-static -O2 -pthread", "merged-rounds"));

    private static (KernelRunResult Result, string Out, long Runs) Run(int vcpus, bool merge)
    {
        using (CpuOptions.UseDefaults(CpuMode.Interpret, threshold: 2, background: false))
        {
            var rig = new GuestRig(new GuestKernelOptions { Vcpus = vcpus, Seed = 5, MergeIdleRounds = merge });
            KernelRunResult r = rig.Run(s_guest.Value.Bytes, s_guest.Value.Path);
            Assert.True(r.Init?.ShellStatus == 0, $"{string.Join("; ", r.Processes)}; stderr: {rig.Err}");
            return (r, rig.Out, rig.Kernel.CpuRuns);
        }
    }

    [GccTheory]
    [InlineData(1)]
    [InlineData(2)]
    public void Merging_idle_rounds_does_not_change_the_run(int vcpus)
    {
        var ticked = Run(vcpus, merge: false);
        var merged = Run(vcpus, merge: true);

        Assert.Matches(@"^ticks 20 loops [1-9]\d* sum [0-9a-f]+ after [1-9]\d*\n$", ticked.Out); // the guest ran to its end
        Assert.Equal(ticked.Out, merged.Out); // the signals landed at the same loop turn, the sleeps ended at the same time
        Assert.Equal(ticked.Result.Instructions, merged.Result.Instructions);
        Assert.Equal(ticked.Result.ContextSwitches, merged.Result.ContextSwitches);
        Assert.Equal(ticked.Result.SignalsDelivered, merged.Result.SignalsDelivered);
        Assert.Equal(ticked.Result.Syscalls, merged.Result.Syscalls);
        Assert.Equal(ticked.Result.VirtualNanoseconds, merged.Result.VirtualNanoseconds);
        Assert.True(merged.Runs * 2 < ticked.Runs, $"{merged.Runs} runs merged vs {ticked.Runs}"); // and it did merge
    }
}

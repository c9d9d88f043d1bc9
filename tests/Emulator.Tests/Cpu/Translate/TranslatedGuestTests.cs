using Emulator.Core.Cpu;
using Emulator.Core.Kernel;
using Emulator.Tests.Kernel;
using Emulator.Tests.Kernel.Sys;

namespace Emulator.Tests.Cpu.Translate;

/// <summary>
/// A real threaded guest (glibc, built by gcc at test time) whose result depends on exactly where
/// each signal lands and on the scheduler's interleaving: run by the interpreter, by the translator
/// compiling on the vCPU's thread, and by the translator compiling in the background, with the same
/// seed, it must make the same run — the same output, instructions, context switches and signals.
/// </summary>
public sealed class TranslatedGuestTests
{
    /// <summary>Three threads spin on an LCG while main counts loop turns until the interval timer
    /// (virtual time, so instruction counts) has fired 20 times; the loop count says where the
    /// signals arrived.</summary>
    private const string Source = """
        #include <pthread.h>
        #include <signal.h>
        #include <stdio.h>
        #include <sys/time.h>
        static volatile sig_atomic_t ticks;
        static void on_alarm(int s) { (void)s; ticks++; }
        static void *spin(void *arg) {
            unsigned long x = (unsigned long)arg;
            for (long i = 0; i < 200000; i++) x = x * 6364136223846793005UL + 1442695040888963407UL;
            return (void *)x;
        }
        int main(void) {
            signal(SIGALRM, on_alarm);
            struct itimerval it = { { 0, 500 }, { 0, 500 } };
            setitimer(ITIMER_REAL, &it, 0);
            pthread_t t[3];
            for (long i = 0; i < 3; i++) pthread_create(&t[i], 0, spin, (void *)(i + 1));
            unsigned long loops = 0, sum = 0;
            while (ticks < 20) loops++;
            for (int i = 0; i < 3; i++) { void *r; pthread_join(t[i], &r); sum ^= (unsigned long)r; }
            printf("ticks %d loops %lu sum %lx\n", (int)ticks, loops, sum);
            return 0;
        }
        """;

    private static readonly Lazy<(byte[] Bytes, string Path)> s_guest = new(() => Gcc.Compile(Source, "-static -O2 -pthread", "tick-threads"));

    private static (KernelRunResult Result, string Out, long Translated) Run(CpuMode mode, bool background)
    {
        using (CpuOptions.UseDefaults(mode, threshold: 2, background))
        {
            var rig = new GuestRig(new GuestKernelOptions { Vcpus = 2, Seed = 11 });
            KernelRunResult r = rig.Run(s_guest.Value.Bytes, s_guest.Value.Path); // an absolute argv[0], as glibc's start-up wants
            if (background)
            {
                rig.Kernel.CodeCache.WaitForTranslations(); // leave no job of this test running
            }
            Assert.True(r.Init?.ShellStatus == 0, $"{mode}: {string.Join("; ", r.Processes)}; stderr: {rig.Err}");
            return (r, rig.Out, rig.Kernel.CodeCache.InstructionsTranslated);
        }
    }

    [GccFact]
    public void Signals_in_a_translated_loop_and_the_schedule_are_the_same_in_every_mode()
    {
        var interp = Run(CpuMode.Interpret, background: false);
        var jit = Run(CpuMode.Translate, background: false);
        var background = Run(CpuMode.Translate, background: true);

        Assert.Matches(@"^ticks 20 loops [1-9]\d* sum [0-9a-f]+\n$", interp.Out); // the guest ran to its end
        Assert.True(jit.Translated > 0); // the spinning loops ran translated...
        Assert.Equal(0, interp.Translated);
        foreach (var other in new[] { jit, background })
        {
            // ...yet the signals landed at the same loop turn, and the run is the same run.
            Assert.Equal(interp.Out, other.Out);
            Assert.Equal(interp.Result.Instructions, other.Result.Instructions);
            Assert.Equal(interp.Result.ContextSwitches, other.Result.ContextSwitches);
            Assert.Equal(interp.Result.SignalsDelivered, other.Result.SignalsDelivered);
            Assert.Equal(interp.Result.Syscalls, other.Result.Syscalls);
            Assert.Equal(interp.Result.VirtualNanoseconds, other.Result.VirtualNanoseconds);
        }
    }
}

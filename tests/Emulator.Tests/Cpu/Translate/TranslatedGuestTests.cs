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

    /// <summary>Runs a function in an executable mapping until it is hot, has the SVA device
    /// DMA-copy other code over it (SVA_SUBMIT, a synchronous copy through the IOMMU), then runs
    /// it again: the second thousand calls must run the new code.</summary>
    private const string DmaSource = """
        #include <fcntl.h>
        #include <stdint.h>
        #include <stdio.h>
        #include <string.h>
        #include <sys/ioctl.h>
        #include <sys/mman.h>
        #include "sva.h"
        typedef int (*fn)(void);
        int main(void) {
            unsigned char *code = mmap(0, 4096, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
            static const unsigned char one[] = { 0xB8, 1, 0, 0, 0, 0xC3 }; /* mov eax, 1; ret */
            static const unsigned char two[] = { 0xB8, 2, 0, 0, 0, 0xC3 }; /* mov eax, 2; ret */
            memcpy(code, one, sizeof one);
            long sum = 0;
            for (int i = 0; i < 1000; i++) sum += ((fn)code)();
            int fd = open("/dev/sva0", O_RDWR);
            if (fd < 0 || ioctl(fd, SVA_BIND, 0) < 0) { printf("no device\n"); return 1; }
            static struct sva_completion comp __attribute__((aligned(32)));
            struct sva_desc d = { .op = SVA_OP_COPY, .src = (uint64_t)(uintptr_t)two, .dst = (uint64_t)(uintptr_t)code, .len = sizeof two,
                                  .completion = (uint64_t)(uintptr_t)&comp };
            if (ioctl(fd, SVA_SUBMIT, &d) != 0) { printf("submit failed\n"); return 1; }
            for (int i = 0; i < 1000; i++) sum += ((fn)code)();
            printf("status %u sum %ld\n", comp.status, sum);
            return 0;
        }
        """;

    private static readonly Lazy<(byte[] Bytes, string Path)> s_dmaGuest =
        new(() => Gcc.Compile(DmaSource, $"-static -O2 -I {Path.Combine(GuestGcc.GuestsDir, "include")}", "dma-code"));

    [GccFact]
    public void Code_rewritten_by_device_dma_runs_anew_in_every_mode()
    {
        foreach (CpuMode mode in (CpuMode[])[CpuMode.Interpret, CpuMode.Translate])
        {
            using (CpuOptions.UseDefaults(mode, threshold: 2, background: false))
            {
                var rig = new GuestRig();

                rig.Run(s_dmaGuest.Value.Bytes, s_dmaGuest.Value.Path);

                // 1000 calls returned 1, then 1000 returned 2: the DMA's bytes ran, not stale code.
                Assert.True(rig.Out == "status 1 sum 3000\n", $"{mode}: {rig.Out}{rig.Err}");
                Assert.True(mode == CpuMode.Interpret || rig.Kernel.CodeCache.InstructionsTranslated > 0, "nothing was translated");
                rig.AssertCoherent();
            }
        }
    }

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

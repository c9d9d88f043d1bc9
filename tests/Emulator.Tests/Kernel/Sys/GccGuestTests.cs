using Emulator.Core.Kernel;

namespace Emulator.Tests.Kernel.Sys;

/// <summary>The C guests of tests/guests, compiled by gcc at test time and run through the guest
/// kernel with /dev/sva0; skipped, saying why, where gcc is missing.</summary>
public class GccGuestTests
{
    [GccFact]
    public void The_integer_workload_prints_exactly_what_it_prints_natively()
    {
        var (elf, exe) = GuestGcc.Build("intwork");
        string native = Gcc.Run(exe, "alpha beta"); // the same static binary: it makes only raw syscalls
        var rig = new GuestRig();

        var r = rig.Run(elf, exe, "alpha", "beta");

        Assert.Equal(0, r.Init!.WaitStatus);
        Assert.Equal(native, rig.Out); // byte-identical to the host CPU and kernel
        Assert.Contains("primes=2262", rig.Out); // and it computed something
        Assert.True(r.Instructions > 1_000_000, $"{r.Instructions} instructions");
    }

    [GccFact]
    public void Mmap_munmap_mremap_churn_with_device_copies_checks_every_result()
    {
        var (elf, _) = GuestGcc.Build("mmap-churn");
        var rig = new GuestRig();

        var r = rig.Run(elf);

        Assert.True(r.Init!.WaitStatus == 0, $"{r.Init}\n{rig.Out}"); // every check in the guest passed
        Assert.Contains("rounds=12\nfailures=0\n", rig.Out);
        rig.AssertCoherent(); // no DMA through a translation munmap/mremap/madvise had invalidated
        Assert.True(rig.Machine.SmmuDriver!.Stats.PageRequests > 0); // the device faulted pages in through PRI
    }

    [GccFact]
    public void Fork_then_device_writes_land_in_each_processs_own_copy()
    {
        var (elf, _) = GuestGcc.Build("fork-dma");
        var rig = new GuestRig();

        var r = rig.Run(elf);

        Assert.True(r.Init!.WaitStatus == 0, $"{r.Init}\n{rig.Out}");
        Assert.Equal(0, r.Processes[1].WaitStatus); // the child's checks passed too
        Assert.Equal("child: own copy written by the device\nparent: child exited, my copy is mine\nfailures=0\n", rig.Out);
        rig.AssertCoherent();
    }

    [GccFact]
    public void A_device_write_to_a_read_only_page_faults_and_the_cpu_write_is_SIGSEGV()
    {
        var (elf, _) = GuestGcc.Build("mprotect-fault");
        var rig = new GuestRig();

        var r = rig.Run(elf);

        Assert.Contains("failures=0\n", rig.Out); // the device's write faulted, its read did not
        string target = rig.Out.Split('\n')[1].Split(' ')[0]; // the address the guest printed
        Assert.DoesNotContain("not reached", rig.Out);
        Assert.Equal(11, r.Init!.Signal); // SIGSEGV
        Assert.Contains("SEGV_ACCERR", r.Init.Report);
        Assert.Contains($"address={Convert.ToUInt64(target, 16):x}", r.Init.Report); // names the faulting address
        rig.AssertCoherent();
    }

    [GccFact]
    public void The_same_seed_gives_the_same_output_and_instruction_counts()
    {
        var (elf, _) = GuestGcc.Build("interleave", Interleave);
        string Run(ulong seed, int vcpus, out KernelRunResult r)
        {
            var rig = new GuestRig(new GuestKernelOptions { Seed = seed, Vcpus = vcpus, MinQuantum = 200, MaxQuantum = 5000, Tick = 300 });
            r = rig.Run(elf);
            Assert.True(r.Processes.All(p => p.WaitStatus == 0), string.Join("; ", r.Processes));
            rig.AssertCoherent();
            return rig.Out;
        }

        foreach (int vcpus in new[] { 1, 2 })
        {
            string a = Run(7, vcpus, out var ra);
            string b = Run(7, vcpus, out var rb);
            Assert.Equal(a, b); // byte-identical output for the same seed
            Assert.Equal(ra.Instructions, rb.Instructions);
            Assert.Equal(ra.Processes.Select(p => p.Instructions), rb.Processes.Select(p => p.Instructions));
            Assert.Equal(ra.ContextSwitches, rb.ContextSwitches);
            var outputs = new HashSet<string>();
            for (ulong seed = 1; seed <= 6; seed++)
            {
                outputs.Add(Run(seed, vcpus, out _));
            }
            Assert.True(outputs.Count > 1, $"{vcpus} vCPU(s): six seeds gave one interleaving"); // the seed matters
            Assert.All(outputs, o => Assert.Equal(3 * 40, o.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length));
        }
    }

    /// <summary>Three processes print 40 lines each, with some work between lines, so quanta of
    /// different lengths interleave them differently.</summary>
    private const string Interleave = """
        #include "guest.h"
        static volatile long sink;
        int main(int argc, char **argv, char **envp)
        {
            (void)argc; (void)argv; (void)envp;
            int me = 0;
            if (sys_fork() == 0) me = 1;
            else if (sys_fork() == 0) me = 2;
            for (int i = 0; i < 40; i++) {
                for (long k = 0; k < 50 + 37 * ((i * (me + 3)) % 11); k++) sink += k;
                char line[] = "p0 line\n";
                line[1] = (char)('0' + me);
                sys_write(1, line, sizeof line - 1);
            }
            if (me == 0) {
                int status;
                while (sys_wait4(-1, &status, 0, 0) > 0)
                    if (status != 0) return 1;
            }
            return 0;
        }
        """;
}

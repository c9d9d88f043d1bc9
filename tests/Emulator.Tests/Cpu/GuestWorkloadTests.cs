using Emulator.Cli.Bench;
using Emulator.Core.Cpu;
using Workload = Emulator.Cli.Bench.GuestMipsBenchmark.Workload;
using WorkloadSize = Emulator.Cli.Bench.GuestMipsBenchmark.WorkloadSize;

namespace Emulator.Tests.Cpu;

/// <summary>The <c>guest-mips</c> benchmark's program is itself correct: run at a small size it
/// computes what the C# reference computes, every time it runs.</summary>
public sealed class GuestWorkloadTests
{
    [Fact]
    public void The_benchmark_workload_computes_the_reference_result()
    {
        var guest = new Workload(WorkloadSize.Small);

        GuestMipsBenchmark.WorkloadResult first = guest.Run();       // throws when the digest is wrong
        GuestMipsBenchmark.WorkloadResult second = guest.Run();

        Assert.Equal(309UL, first.Primes);                            // π(2048): the sieve really ran
        Assert.Equal(Workload.Expected(WorkloadSize.Small).Digest, first.Digest);
        Assert.Equal(first, second);                                  // deterministic, same instruction count
        Assert.InRange(first.Instructions, 50_000, 2_000_000);
        Assert.True(guest.ResolvedFaults > 0, "the pages were demand-faulted through HandleFault");
        Assert.True(guest.Cpu.CachedCodePages > 0, "the decoded-instruction cache was on");
    }

    [Fact]
    public void The_reference_matches_known_prime_counts()
    {
        // Guards the reference itself: π(2048) = 309, π(16384) = 1900.
        Assert.Equal(309UL, Workload.Expected(WorkloadSize.Small).Primes);
        Assert.Equal(1900UL, Workload.Expected(WorkloadSize.Benchmark).Primes);
    }

    [Fact]
    public void A_wrong_result_is_an_error_not_a_score()
    {
        var guest = new Workload(WorkloadSize.Small);
        guest.Run();
        // Corrupt the code: the first instruction (xor r12d, r12d) becomes a 3-byte nop, so the
        // digest starts from the previous run's value and differs from the reference.
        ulong codePa = PaOf(guest, Workload.CodeVa);
        guest.Machine.Memory.TryWrite(codePa, [0x0F, 0x1F, 0x00]);
        guest.Cpu.InvalidateCode(codePa, 3);

        var e = Assert.Throws<InvalidOperationException>(() => guest.Run());
        Assert.Contains("expected", e.Message, StringComparison.Ordinal);
    }

    private static ulong PaOf(Workload guest, ulong va)
    {
        Assert.True(guest.Cpu.Mmu.TryTranslate(va, Core.Paging.AccessType.User, out ulong pa, out _));
        return pa;
    }
}

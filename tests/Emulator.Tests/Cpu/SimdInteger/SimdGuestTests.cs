using Emulator.Core.Cpu;
using Emulator.Tests.Kernel.Sys;
using Iced.Intel;
using Xunit.Abstractions;

namespace Emulator.Tests.Cpu.SimdInteger;

/// <summary>Loops gcc -O3 vectorises (<c>Guests/simd-loops.c</c>), built static and libc-free, run
/// through the guest kernel: the output must be byte-identical to the same binary run natively.</summary>
public sealed class SimdGuestTests(ITestOutputHelper output)
{
    [SimdGuestFact("-msse4.1", "sse4_1")]
    public void Sse41_vectorised_loops_print_what_they_print_natively() => RunGuest("-msse4.1", minSimdMnemonics: 40);

    [SimdGuestFact("-mavx2", "avx2")]
    public void Avx2_vectorised_loops_print_what_they_print_natively() => RunGuest("-mavx2", minSimdMnemonics: 40);

    private void RunGuest(string extension, int minSimdMnemonics)
    {
        var (elf, exe) = SimdGuest.Build(extension);
        var simd = SimdGuest.Mnemonics(elf).Intersect(Core.Cpu.Cpu.SimdIntegerMnemonics).ToList();
        string native = Kernel.Gcc.Run(exe, "");
        var rig = new GuestRig();

        var r = rig.Run(elf);

        output.WriteLine($"{r}; {simd.Count} SIMD integer mnemonics in the code: {string.Join(' ', simd.Order())}");
        Assert.True(r.Init!.WaitStatus == 0, $"{r.Init}\n{rig.Out}");
        Assert.Equal(native, rig.Out);   // every loop's result is the host CPU's
        Assert.Contains("reverse8=", rig.Out);   // and it ran to the end
        // The code really is vector code of this unit, not a scalar fallback.
        Assert.True(simd.Count >= minSimdMnemonics, $"only {simd.Count} SIMD integer mnemonics: {string.Join(' ', simd)}");
    }
}

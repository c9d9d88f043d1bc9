using Emulator.Core.Cpu;
using Emulator.Core.Kernel;
using Emulator.Tests.Kernel.Sys;

namespace Emulator.Tests.Kernel.Libc;

/// <summary>
/// <c>--cpu</c> pins what a guest sees: the CPUID bits, glibc's active features (what its ifunc selection
/// uses) and musl's AT_HWCAP follow the level, and the string functions run without touching an
/// instruction the level lacks — an AVX2 variant chosen at v2 would be SIGILL.
/// </summary>
public sealed class CpuLevelGuestTests
{
    [ToolTheory("gcc:gcc", "musl-gcc:musl-tools")]
    [InlineData("glibc", CpuLevel.V1, "sse2=1 sse4.2=0 popcnt=0 avx=0 avx2=0 fma=0 bmi2=0")]
    [InlineData("glibc", CpuLevel.V2, "sse2=1 sse4.2=1 popcnt=1 avx=0 avx2=0 fma=0 bmi2=0")]
    [InlineData("glibc", CpuLevel.V3, "sse2=1 sse4.2=1 popcnt=1 avx=1 avx2=1 fma=1 bmi2=1")]
    [InlineData("musl", CpuLevel.V1, "sse2=1 sse4.2=0 popcnt=0 avx=0 avx2=0 fma=0 bmi2=0")]
    [InlineData("musl", CpuLevel.V3, "sse2=1 sse4.2=1 popcnt=1 avx=1 avx2=1 fma=1 bmi2=1")]
    public void The_program_sees_exactly_the_level(string libc, CpuLevel level, string features)
    {
        string exe = LibcBuild.Build("cpu-level", libc);
        var rig = new GuestRig(new GuestKernelOptions { CpuLevel = level });

        var r = rig.Run(File.ReadAllBytes(exe), [exe], ["LC_ALL=C"]);

        Assert.True(r.Init!.ShellStatus == 0, $"{r.Init}\n{rig.Out}");
        var lines = rig.Out.Split('\n');
        Assert.Equal("cpuid: " + features, lines[0]);                                      // the raw CPUID bits
        Assert.Equal(libc == "glibc" ? "glibc: " + features                                // glibc's usable features
            : $"hwcap={CpuFeatures.Hwcap(level):x}", lines[1]);                            // AT_HWCAP = CPUID.01H:EDX
        Assert.Equal("strlen=4999 memcmp=0 strchr=4999", lines[2]);                         // the selected string functions ran
    }
}

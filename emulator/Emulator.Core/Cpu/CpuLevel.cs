namespace Emulator.Core.Cpu;

/// <summary>The x86-64 micro-architecture levels of the psABI (x86-64 psABI §3.1.1): what CPUID
/// reports, what AT_HWCAP says and which instructions execute (a VEX instruction is #UD below
/// <see cref="V3"/>, as on hardware whose XCR0 does not enable AVX).</summary>
public enum CpuLevel : byte
{
    /// <summary>The baseline: CMOV, CX8, FPU, FXSR, MMX, SCE, SSE, SSE2.</summary>
    V1 = 1,

    /// <summary>Adds CX16, LAHF-SAHF, POPCNT, SSE3, SSE4.1, SSE4.2, SSSE3.</summary>
    V2 = 2,

    /// <summary>Adds AVX, AVX2, BMI1, BMI2, F16C, FMA, LZCNT, MOVBE, XSAVE/OSXSAVE.</summary>
    V3 = 3,
}

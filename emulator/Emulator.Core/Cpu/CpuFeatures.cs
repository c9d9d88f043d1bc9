namespace Emulator.Core.Cpu;

/// <summary>
/// What the emulated CPU reports through CPUID for a <see cref="CpuLevel"/>, and the AT_HWCAP the
/// kernel derives from it. One table, so CPUID, AT_HWCAP and the instruction set never disagree.
/// </summary>
/// <remarks>
/// Leaves (SDM Vol. 2A CPUID): 0 (max leaf 0xD, vendor "AuthenticAMD"), 1 (signature, feature bits),
/// 7.0 (structured extended features), 0xD (XSAVE state components, only at <see cref="CpuLevel.V3"/>),
/// 0x80000000/1 (extended features). Every other leaf and sub-leaf returns zeros. The reported bits
/// are exactly the level's (x86-64 psABI §3.1.1) plus TSC, CLFSH, MOVDIR64B and ENQCMD, which
/// <c>rdtsc</c>, <c>clflush</c> and the portal unit implement at every level.
/// </remarks>
public static class CpuFeatures
{
    /// <summary>The vendor string of CPUID leaf 0. "AuthenticAMD", not a name of our own: glibc reads the
    /// leaf-1 feature bits (and so selects SSE4.2/AVX2 ifunc variants) only for vendors it knows, and
    /// libgcc's <c>__builtin_cpu_supports</c> reports nothing for an unknown one; and where vendors
    /// differ in what they compute (the rcpps/rsqrtps tables, the x87 transcendentals' argument
    /// reduction) this CPU does what AMD Zen 4 does.</summary>
    public const string Vendor = "AuthenticAMD";

    private const uint VendorEbx = 0x6874_7541; // "Auth"
    private const uint VendorEdx = 0x6974_6E65; // "enti"
    private const uint VendorEcx = 0x444D_4163; // "cAMD"

    /// <summary>The default CPUID.01H:EAX: family 19h (extended family 0Ah + base family 0Fh), model 11h,
    /// stepping 1 — an AMD Zen 4, the family whose behaviour the vendor-specific details follow.</summary>
    public const uint DefaultSignature = 0x00A1_0F11;

    /// <summary>The display family of a CPUID.01H:EAX signature (SDM Vol. 2A, CPUID).</summary>
    public static uint Family(uint signature)
    {
        uint family = (signature >> 8) & 0xF;
        return family == 0xF ? family + ((signature >> 20) & 0xFF) : family;
    }

    /// <summary>The display model of a CPUID.01H:EAX signature.</summary>
    public static uint Model(uint signature)
    {
        uint model = (signature >> 4) & 0xF;
        uint family = (signature >> 8) & 0xF;
        return family is 0x6 or 0xF ? model | (((signature >> 16) & 0xF) << 4) : model;
    }

    // CPUID.01H:EDX
    public const uint Fpu = 1u << 0, Tsc = 1u << 4, Cx8 = 1u << 8, Cmov = 1u << 15, Clfsh = 1u << 19, Mmx = 1u << 23,
        Fxsr = 1u << 24, Sse = 1u << 25, Sse2 = 1u << 26;

    // CPUID.01H:ECX
    public const uint Sse3 = 1u << 0, Ssse3 = 1u << 9, Fma = 1u << 12, Cx16 = 1u << 13, Sse41 = 1u << 19,
        Sse42 = 1u << 20, Movbe = 1u << 22, Popcnt = 1u << 23, Xsave = 1u << 26, Osxsave = 1u << 27,
        Avx = 1u << 28, F16c = 1u << 29;

    // CPUID.(EAX=07H,ECX=0):EBX and ECX
    public const uint Bmi1 = 1u << 3, Avx2 = 1u << 5, Bmi2 = 1u << 8;
    public const uint Movdir64b = 1u << 28, Enqcmd = 1u << 29;

    // CPUID.80000001H:ECX and EDX
    public const uint LahfLm = 1u << 0, Abm = 1u << 5;
    public const uint Syscall = 1u << 11, Nx = 1u << 20, Lm = 1u << 29;

    /// <summary>XCR0 for the level: x87 | SSE, plus AVX (YMM upper halves) at <see cref="CpuLevel.V3"/>.</summary>
    public static ulong Xcr0(CpuLevel level) => level >= CpuLevel.V3 ? 0b111UL : 0b011UL;

    /// <summary>Bytes of the XSAVE area for the components in <paramref name="xcr0"/> (SDM Vol. 1
    /// §13.4): the 512-byte legacy region, the 64-byte header, and 256 bytes of YMM_Hi128 at offset 576.</summary>
    public static uint XsaveSize(ulong xcr0) => (xcr0 & 4) != 0 ? 832u : 576u;

    /// <summary>CPUID.01H:EDX, which is also AT_HWCAP on x86-64.</summary>
    public static uint Leaf1Edx(CpuLevel level) => Fpu | Tsc | Cx8 | Cmov | Clfsh | Mmx | Fxsr | Sse | Sse2;

    /// <summary>CPUID.01H:ECX.</summary>
    public static uint Leaf1Ecx(CpuLevel level)
    {
        uint ecx = 0;
        if (level >= CpuLevel.V2)
        {
            ecx |= Sse3 | Ssse3 | Cx16 | Sse41 | Sse42 | Popcnt;
        }
        if (level >= CpuLevel.V3)
        {
            ecx |= Fma | Movbe | Xsave | Osxsave | Avx | F16c;
        }
        return ecx;
    }

    /// <summary>AT_HWCAP: CPUID.01H:EDX (arch/x86/include/asm/elf.h ELF_HWCAP).</summary>
    public static ulong Hwcap(CpuLevel level) => Leaf1Edx(level);

    /// <summary>AT_HWCAP2: neither ring-3 MWAIT nor FSGSBASE is offered.</summary>
    public static ulong Hwcap2(CpuLevel level) => 0;

    /// <summary>CPUID for <paramref name="leaf"/>.<paramref name="subleaf"/> as (EAX, EBX, ECX, EDX).</summary>
    /// <param name="level">The level the vCPU runs at.</param>
    /// <param name="signature">CPUID.01H:EAX.</param>
    /// <param name="leaf">EAX on entry.</param>
    /// <param name="subleaf">ECX on entry.</param>
    public static (uint Eax, uint Ebx, uint Ecx, uint Edx) Cpuid(CpuLevel level, uint signature, uint leaf, uint subleaf)
    {
        bool v3 = level >= CpuLevel.V3;
        ulong xcr0 = Xcr0(level);
        switch (leaf)
        {
            case 0:
                return (v3 ? 0xDu : 7u, VendorEbx, VendorEcx, VendorEdx);
            case 1:
                // EBX: CLFLUSH line size 8 (× 8 bytes) in 15:8, one logical processor.
                return (signature, (8u << 8) | (1u << 16), Leaf1Ecx(level), Leaf1Edx(level));
            case 7 when subleaf == 0:
                // MOVDIR64B and ENQCMD (the SVA devices' submission) are offered at every level.
                return (0, v3 ? Bmi1 | Avx2 | Bmi2 : 0, Movdir64b | Enqcmd, 0);
            case 0xD when v3 && subleaf == 0:
                return ((uint)xcr0, XsaveSize(xcr0), XsaveSize(xcr0), 0);
            case 0xD when v3 && subleaf == 2:
                return (256, 576, 0, 0);
            case 0x8000_0000:
                return (0x8000_0001, 0, 0, 0);
            case 0x8000_0001:
                return (0, 0, (level >= CpuLevel.V2 ? LahfLm : 0) | (v3 ? Abm : 0), Syscall | Nx | Lm);
            default:
                return (0, 0, 0, 0);
        }
    }
}

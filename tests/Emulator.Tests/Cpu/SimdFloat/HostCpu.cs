using System.Runtime.Intrinsics.X86;

namespace Emulator.Tests.Cpu.SimdFloat;

/// <summary>What the host processor is, for the checks whose answer is vendor-specific.</summary>
internal static class HostCpu
{
    /// <summary>An AMD family 19h (Zen 3/Zen 4) processor: the one whose RCPPS/RSQRTPS tables the
    /// emulator carries.</summary>
    public static bool IsAmdZen4Like
    {
        get
        {
            if (!X86Base.IsSupported)
            {
                return false;
            }
            (int _, int ebx, int ecx, int edx) = X86Base.CpuId(0, 0);
            bool amd = ebx == 0x6874_7541 && edx == 0x6974_6E65 && ecx == 0x444D_4163; // "AuthenticAMD"
            (int eax, _, _, _) = X86Base.CpuId(1, 0);
            int family = ((eax >> 8) & 0xF) + ((eax >> 20) & 0xFF);
            return amd && family == 0x19;
        }
    }
}

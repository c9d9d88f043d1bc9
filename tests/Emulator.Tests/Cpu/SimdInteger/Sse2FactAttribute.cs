using System.Runtime.Intrinsics.X86;

namespace Emulator.Tests.Cpu.SimdInteger;

/// <summary>A fact that needs the host's SSE2 intrinsics: skipped, saying why, on other hosts (where
/// the portable path is the only one, and the table tests exercise it).</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class Sse2FactAttribute : FactAttribute
{
    public Sse2FactAttribute()
    {
        if (!Sse2.IsSupported)
        {
            Skip = "no SSE2 on this host: nothing to compare the portable code with";
        }
    }
}

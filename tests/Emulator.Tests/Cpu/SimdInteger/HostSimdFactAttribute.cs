namespace Emulator.Tests.Cpu.SimdInteger;

/// <summary>A fact that runs SIMD instructions on the host processor through a gcc-built probe:
/// skipped, saying why, without gcc, off x86-64 Linux, or when the host lacks AVX2 (the probe loads
/// and stores all sixteen YMM registers, and the cases include the AVX2 forms).</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class HostSimdFactAttribute : FactAttribute
{
    private string? _skip;

    public override string? Skip
    {
        get => _skip ?? new GccFactAttribute().Skip ?? MissingExtension();
        set => _skip = value;
    }

    internal static string? MissingExtension()
    {
        string flags = File.Exists("/proc/cpuinfo") ? File.ReadAllText("/proc/cpuinfo") : "";
        foreach (string f in new[] { "sse4_1", "ssse3", "avx2" })
        {
            if (!flags.Contains($" {f}", StringComparison.Ordinal))
            {
                return $"the host processor has no {f.ToUpperInvariant()}: nothing to cross-check those forms against";
            }
        }
        return null;
    }
}

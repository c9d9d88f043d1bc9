namespace Emulator.Tests.Cpu.SimdInteger;

/// <summary>
/// A fact that runs <c>Guests/simd-loops.c</c> built for one vector extension on the emulator and
/// natively: skipped, saying why, without gcc, when the host lacks the extension, or when gcc's code
/// uses an instruction no CPU unit of this build executes yet (for <c>-mavx2</c>: VZEROUPPER,
/// VEXTRACTI128, VPBROADCAST*, VPERMQ... of the VectorExtra unit) — the skip names them.
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class SimdGuestFactAttribute : FactAttribute
{
    private readonly string _extension;
    private readonly string _cpuFlag;
    private string? _skip;
    private bool _decided;

    /// <param name="extension">The gcc option, e.g. <c>-mavx2</c>.</param>
    /// <param name="cpuFlag">The /proc/cpuinfo flag the host needs to run it natively.</param>
    public SimdGuestFactAttribute(string extension, string cpuFlag)
    {
        _extension = extension;
        _cpuFlag = cpuFlag;
    }

    public override string? Skip
    {
        get
        {
            if (!_decided)
            {
                _skip ??= Decide();
                _decided = true;
            }
            return _skip;
        }
        set => _skip = value;
    }

    private string? Decide()
    {
        if (new GccFactAttribute().Skip is string noGcc)
        {
            return noGcc;
        }
        string cpuinfo = File.Exists("/proc/cpuinfo") ? File.ReadAllText("/proc/cpuinfo") : "";
        if (!cpuinfo.Contains($" {_cpuFlag}", StringComparison.Ordinal))
        {
            return $"the host has no {_cpuFlag}: the guest cannot run natively for comparison";
        }
        var missing = SimdGuest.Unimplemented(SimdGuest.Build(_extension).Elf);
        return missing.Count == 0 ? null
            : $"gcc {_extension} code needs {string.Join(", ", missing)}, which no CPU unit of this build executes yet";
    }
}

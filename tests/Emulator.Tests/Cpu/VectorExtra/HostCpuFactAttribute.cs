namespace Emulator.Tests.Cpu.VectorExtra;

/// <summary>A <see cref="GccFactAttribute"/> that also needs the host processor to have every CPU
/// feature named (Linux /proc/cpuinfo flag names): skipped, with the reason, otherwise.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class HostCpuFactAttribute(params string[] features) : FactAttribute
{
    private string? _skip;

    public override string? Skip
    {
        get => _skip ?? Missing();
        set => _skip = value;
    }

    private string? Missing()
    {
        string? gcc = new GccFactAttribute().Skip;
        if (gcc is not null)
        {
            return gcc;
        }
        string[] absent = [.. features.Where(f => !HostProbe.HostHas(f))];
        return absent.Length == 0 ? null : $"host processor lacks {string.Join(", ", absent)}: nothing to cross-check against";
    }
}

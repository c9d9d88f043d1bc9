using Emulator.Tests.Board;

namespace Emulator.Tests.Kernel.Fs;

/// <summary>A theory that compiles a host probe with gcc: skipped, saying so, where gcc is missing (as
/// <see cref="GccFactAttribute"/> for facts).</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class GccTheoryAttribute : TheoryAttribute
{
    private string? _skip;

    public override string? Skip
    {
        get => _skip ?? (UsbToolFactAttribute.Find("gcc") is null ? "gcc not found on PATH: no host probe to compare with (apt install gcc)" : null);
        set => _skip = value;
    }
}

namespace Emulator.Core.Cpu;

/// <summary>How a <see cref="Cpu"/> executes guest code (<c>--cpu-mode</c>).</summary>
public enum CpuMode : byte
{
    /// <summary>Tiered: the interpreter, and hot code translated to .NET methods (the default).</summary>
    Translate,

    /// <summary>The interpreter only: the reference every translated run must match.</summary>
    Interpret,
}

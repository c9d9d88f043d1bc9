using Emulator.Core.Iommu;

namespace Emulator.Core.Trace.Replay;

/// <summary>How <see cref="TraceReplayer"/> builds the machine a trace runs on.</summary>
public sealed record ReplayOptions
{
    /// <summary>The machine used for keys a trace's <c>machine</c> statement leaves out.</summary>
    public MachineOptions Defaults { get; init; } = new();

    /// <summary>Fault-injection switches added to the trace's own <c>inject=</c> (e.g. from <c>--inject</c>).</summary>
    public FaultInjection Inject { get; init; }

    /// <summary>PASID width of a <c>device</c> without <c>pasid-bits=</c>.</summary>
    public int DefaultPasidBits { get; init; } = 20;
}

namespace Emulator.Core.Text;

/// <summary>The kinds of input the emulator reads, each with its own <see cref="InputLimits"/>.</summary>
public enum InputKind : byte
{
    /// <summary>A v1 trace (<c>emulator replay</c>).</summary>
    Trace,

    /// <summary>An strace log (<c>emulator trace import-strace</c>).</summary>
    StraceLog,

    /// <summary>A hw-config.yaml file (<c>--config</c>).</summary>
    HwConfig,
}

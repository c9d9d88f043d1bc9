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

    /// <summary>A guest executable (<c>emulator boot --guest</c>): read whole, up to the kernel's
    /// <c>GuestKernel.MaxExecutableBytes</c>; only the device and directory refusals of
    /// <see cref="InputFile"/> apply (the loader checks the size as it reads).</summary>
    Executable,
}

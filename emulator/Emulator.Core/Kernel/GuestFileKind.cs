namespace Emulator.Core.Kernel;

/// <summary>What an open file description is.</summary>
public enum GuestFileKind : byte
{
    /// <summary>fd 0: reads return end of file.</summary>
    Stdin,

    /// <summary>fd 1: writes go to <see cref="GuestKernelOptions.Stdout"/>.</summary>
    Stdout,

    /// <summary>fd 2: writes go to <see cref="GuestKernelOptions.Stderr"/>.</summary>
    Stderr,

    /// <summary>An open <c>/dev/svaN</c>.</summary>
    SvaDevice,
}

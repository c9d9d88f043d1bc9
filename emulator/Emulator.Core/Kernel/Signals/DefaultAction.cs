namespace Emulator.Core.Kernel.Signals;

/// <summary>What SIG_DFL does for a signal (signal(7)).</summary>
internal enum DefaultAction : byte
{
    Terminate,
    CoreDump,
    Ignore,

    /// <summary>Stop the process. Job control is not modelled: the emulator reports it and ignores
    /// the signal (a guest stopping itself would otherwise never run again).</summary>
    Stop,
}

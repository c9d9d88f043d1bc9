namespace Emulator.Core.Kernel.Devices;

/// <summary>The asynchronous engine's sizes.</summary>
public sealed record SvaWorkEngineOptions
{
    /// <summary>Descriptors executing at once (interleaved step by step).</summary>
    public int MaxInFlight { get; init; } = 4;

    /// <summary>Descriptors a work queue holds; a submission beyond it is refused (ENQCMD: ZF = 1).</summary>
    public int QueueDepth { get; init; } = 32;
}

namespace Emulator.Core.Kernel.Devices;

/// <summary>How far a submitted descriptor got.</summary>
public enum SvaSubmitOutcome : byte
{
    /// <summary>Run (or rejected as invalid) and its completion record written.</summary>
    Completed,
    /// <summary>The descriptor could not be fetched by DMA: nothing ran (the ioctl's EFAULT).</summary>
    DescriptorFault,
    /// <summary>The completion address is 0 or not 32-byte aligned: nothing ran (EINVAL).</summary>
    BadCompletionAddress,
    /// <summary>The operation ran but its completion record could not be written (EFAULT).</summary>
    CompletionFault,
}

namespace Emulator.Core.Kernel.Devices;

/// <summary>Completion status (<c>SVA_STATUS_*</c>).</summary>
public enum SvaStatus : uint
{
    /// <summary>Not written: software zeroes the record before submitting, so 0 means "no completion".</summary>
    None = 0,
    Success = 1,
    /// <summary>An access could not be translated; see fault_addr, fault_reason, bytes_completed.</summary>
    PageFault = 2,
    /// <summary>The descriptor was rejected before any access; result holds an <see cref="SvaInvalidReason"/>.</summary>
    Invalid = 3,
}

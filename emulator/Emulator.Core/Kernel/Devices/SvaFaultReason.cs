namespace Emulator.Core.Kernel.Devices;

/// <summary>Why a DMA of a descriptor faulted (<c>SVA_FAULT_*</c>, the completion's fault_reason byte).</summary>
public enum SvaFaultReason : byte
{
    None = 0,
    /// <summary>No translation and no page request possible (PRI off, or retries exhausted).</summary>
    NoTranslation = 1,
    /// <summary>The page request was refused: the address is not mapped, or not for this access.</summary>
    PageRequestRefused = 2,
    /// <summary>The page request failed (Response Failure); the device stopped using PRI.</summary>
    PageRequestFailed = 3,
    /// <summary>ATS was refused (UR); the device stopped using ATS.</summary>
    AtsUnsupported = 4,
    /// <summary>Completer abort, or a translation outside RAM.</summary>
    Abort = 5,
    /// <summary>The PASID does not fit the device.</summary>
    InvalidPasid = 6,
    /// <summary>The SMMU terminated an untranslated access (a device without ATS).</summary>
    TranslationFault = 7,
}

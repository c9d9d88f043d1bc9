namespace Emulator.Core.Pcie;

/// <summary>Why a DMA stopped (the device's error report).</summary>
public enum DmaFaultReason : byte
{
    /// <summary>No fault: the DMA completed.</summary>
    None,

    /// <summary>The translation agent gave no (or insufficient) permissions and PRI is off, or the retries
    /// ran out, or invalidations kept dropping the fill.</summary>
    NoTranslation,

    /// <summary>The page request was answered Invalid Request: the host will not make the page available.</summary>
    PriInvalid,

    /// <summary>The page request was answered Response Failure; the function stopped using PRI.</summary>
    PriFailure,

    /// <summary>The translation request was answered UR (or ATS is off): the function stopped using ATS.</summary>
    AtsUnsupported,

    /// <summary>Completer Abort, a malformed completion, or a translated address outside RAM.</summary>
    Abort,

    /// <summary>The PASID does not fit the function's PASID capability.</summary>
    InvalidPasid,

    /// <summary>An untranslated access (a function without ATS) was terminated by the translation agent: a
    /// translation, permission or configuration fault, which the SMMU records in its event queue.</summary>
    TranslationFault,
}

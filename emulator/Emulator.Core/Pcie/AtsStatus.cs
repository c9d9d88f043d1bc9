namespace Emulator.Core.Pcie;

/// <summary>Completion status of an ATS Translation Request (PCIe Base Spec §10.2.3).</summary>
public enum AtsStatus : byte
{
    /// <summary>A translation (possibly with no permissions: "not present, use PRI").</summary>
    Success,
    /// <summary>The function may not use ATS (e.g. STE.EATS = 0): stop using ATS (UR).</summary>
    UnsupportedRequest,
    /// <summary>The translation agent failed (configuration error, fault): the DMA fails (CA).</summary>
    CompleterAbort,
}

namespace Emulator.Core.Pcie;

/// <summary>The capabilities a <see cref="DmaDevice"/> is built with (its PCIe ATS, PRI and PASID
/// capability structures, already enabled by the driver).</summary>
/// <remarks>Values come from validated configuration; <see cref="DmaDevice"/> throws
/// <see cref="ArgumentOutOfRangeException"/> for an out-of-range one (a bug in the caller).</remarks>
public sealed record DmaDeviceOptions
{
    /// <summary>ATS enabled: DMA translates through the ATC. Off, every DMA faults with
    /// <see cref="DmaFaultReason.AtsUnsupported"/> — untranslated DMA is not modelled (the SMMU model
    /// serves ATS only).</summary>
    public bool AtsEnabled { get; init; } = true;

    /// <summary>PRI enabled: a missing or insufficient translation sends a page request and retries.</summary>
    public bool PriEnabled { get; init; } = true;

    /// <summary>Width of the PASID capability, 0..20; 0 means the function issues no PASID prefix and
    /// only <see cref="AtcEntry.NoPasid"/> is accepted.</summary>
    public int PasidBits { get; init; } = 20;

    /// <summary>Shape of the device's ATC.</summary>
    public AtcGeometry AtcGeometry { get; init; } = AtcGeometry.Default;

    /// <summary>Page requests per page access before the DMA gives up with
    /// <see cref="DmaFaultReason.NoTranslation"/> (a host that keeps answering Success without making
    /// the page available must not hang the device). 1..64.</summary>
    public int MaxPriRetries { get; init; } = 4;

    /// <summary>Capabilities of a typical SVA device: ATS, PRI, 20-bit PASIDs, the default ATC.</summary>
    /// <summary>Fault injection (<c>complete-before-drain</c>): answer an ATS invalidation without waiting
    /// for the DMA in flight through the invalidated translation (see <see cref="DmaDevice.InvalidateAtc"/>).</summary>
    public bool CompleteBeforeDrain { get; init; }

    public static DmaDeviceOptions Default { get; } = new();
}

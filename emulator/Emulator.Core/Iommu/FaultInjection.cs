namespace Emulator.Core.Iommu;

/// <summary>
/// Deliberate bugs the SMMU driver can be told to have, so that the coherence oracle can be shown to
/// fire. Each switch removes exactly one step of the invalidation protocol; the device model stays
/// correct. User-facing names (machine options, CLI) are parsed and printed by
/// <see cref="FaultInjectionNames"/>.
/// </summary>
[Flags]
public enum FaultInjection : byte
{
    None = 0,

    /// <summary><c>skip-atc-inv</c>: no CMD_ATC_INV is issued; device ATCs keep stale translations.</summary>
    SkipAtcInv = 1,

    /// <summary><c>skip-tlbi</c>: no CMD_TLBI_* is issued; the SMMU's IOTLB keeps stale translations.</summary>
    SkipTlbi = 2,

    /// <summary><c>skip-cfgi</c>: no CMD_CFGI_* after an STE or CD write; the configuration cache stays stale.</summary>
    SkipCfgi = 4,

    /// <summary><c>skip-sync-wait</c>: invalidations are written to the command queue but the driver
    /// returns without waiting for them (see <see cref="SmmuDriver"/> for how the model makes that land late).</summary>
    SkipSyncWait = 8,

    /// <summary><c>complete-before-drain</c>: a device bug, not a driver's: the endpoint answers an ATS
    /// invalidation at once, while a DMA that uses the invalidated translation is still in flight
    /// (PCIe Base §10.3.1 requires the completion only after such requests have completed). The
    /// in-flight DMA then reaches a frame the mm has since freed; the oracle must catch it.</summary>
    CompleteBeforeDrain = 16,
}

namespace Emulator.Core.Sva;

/// <summary>A PCIe function as SVA sees it: its StreamID, PASID width and driver.</summary>
/// <param name="Sid">StreamID behind the SMMU.</param>
/// <param name="PasidBits">PASIDs the function supports: 1..20 bits.</param>
/// <param name="Driver">Told when a bound mm exits first; null when the device needs no notice.</param>
public sealed record SvaDevice(uint Sid, int PasidBits, ISvaDeviceDriver? Driver = null)
{
    /// <summary>Largest PASID the function can carry.</summary>
    public uint MaxPasid => PasidBits >= PasidAllocator.Bits ? PasidAllocator.Max : (1u << PasidBits) - 1;
}

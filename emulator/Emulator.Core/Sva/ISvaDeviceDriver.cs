namespace Emulator.Core.Sva;

/// <summary>
/// The device driver's side of SVA (Linux <c>iommu_sva_param.mm_exit</c>): told when a bound mm
/// exits before it unbound, so it can stop the device using the PASID.
/// </summary>
public interface ISvaDeviceDriver
{
    /// <summary>
    /// The mm of <paramref name="bond"/> is exiting. Stop every device job using its PASID and
    /// return when none can start any more. May block; called without any emulator lock held.
    /// A concurrent <see cref="SvaManager.Unbind"/> of the same bond waits for this to return.
    /// </summary>
    void MmExit(SvaBond bond);
}

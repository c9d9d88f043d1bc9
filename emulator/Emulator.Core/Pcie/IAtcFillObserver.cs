namespace Emulator.Core.Pcie;

/// <summary>
/// Told of every translation an endpoint caches in its ATC. The board backend implements it to
/// mirror the model's ATC into the board's (ATC_FILL), so lockstep can compare the two.
/// </summary>
/// <remarks>Called on the DMA thread after the entry is inserted, with no device lock held; it must
/// not call back into the device. Never told of evictions or invalidations: those the backend sees
/// (invalidations) or the board decides for itself (evictions).</remarks>
public interface IAtcFillObserver
{
    /// <summary>The endpoint with <paramref name="sid"/> cached <paramref name="entry"/>.</summary>
    void Filled(uint sid, in AtcEntry entry);
}

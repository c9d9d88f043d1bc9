namespace Emulator.Core.Pcie;

/// <summary>
/// The device side of ATS invalidation, as the SMMU sees it — the pluggable backend seam. The SMMU
/// issues one <see cref="Invalidate"/> per CMD_ATC_INV and maps CMD_SYNC onto <see cref="Sync"/>.
/// <c>sim</c> delivers requests to in-process endpoints; <c>board</c> (the hardware issue) forwards
/// them to an FPGA over USB or a socket and counts one complete only when the board says so.
/// </summary>
/// <remarks>
/// Ordering contract: <see cref="Sync"/> returns <see cref="AtcSyncResult.Complete"/> only when every
/// invalidation issued before it, on any thread, has completed at the device — the meaning of
/// CMD_SYNC for ATC invalidations (SMMUv3 §4.7.3). A backend never reports completion of an
/// invalidation the device has not acknowledged.
/// </remarks>
public interface IAtcBackend
{
    /// <summary>Name shown to users: "sim", "board".</summary>
    string Name { get; }

    /// <summary>Issues an ATS Invalidate Request. Does not wait for the completion.</summary>
    void Invalidate(in AtcInvalidation request);

    /// <summary>Waits for the completion of every invalidation issued before this call.</summary>
    AtcSyncResult Sync(TimeSpan timeout);

    /// <summary>Copies the ATC contents of the device with <paramref name="sid"/> (for lockstep
    /// checks and trace expectations); false when the backend cannot read them.</summary>
    bool TryDump(uint sid, List<AtcEntry> into);
}

namespace Emulator.Core.Pcie;

/// <summary>The owner of a DMA in flight (<see cref="DmaAccess"/>): a descriptor being executed by a
/// device engine. The endpoint calls it when an ATS invalidation covers the access's translation, so
/// the access completes — with the translation it was issued with, whose frame is still the process's
/// — before the invalidation's completion is sent (PCIe Base §10.3.1).</summary>
public interface IDmaDrain
{
    /// <summary>Performs <paramref name="access"/> now (by calling <see cref="DmaDevice.Complete"/> with
    /// its buffer). Called with the invalidation's callers' locks held: it must only move bytes.</summary>
    void Drain(DmaAccess access);
}

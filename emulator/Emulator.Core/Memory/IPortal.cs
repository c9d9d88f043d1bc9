namespace Emulator.Core.Memory;

/// <summary>
/// A device's submission portal: a page of device memory that takes whole 64-byte descriptors from
/// MOVDIR64B (a posted write) and ENQCMD (a non-posted write the device accepts or answers "retry"),
/// registered with <see cref="PhysicalMemory.RegisterPortal"/>.
/// </summary>
/// <remarks>In this model the page is backed by a RAM frame the device owns (so the process maps it
/// like shared memory); only the two submit instructions reach the device. Handlers run on the
/// submitting vCPU's thread.</remarks>
public interface IPortal
{
    /// <summary>A 64-byte write at <paramref name="offset"/> (64-byte aligned) in the portal page.</summary>
    /// <param name="offset">Offset in the page.</param>
    /// <param name="data">The 64 bytes, as the instruction delivered them (ENQCMD already put the PASID in).</param>
    /// <param name="enqueue">True for ENQCMD (the answer matters), false for MOVDIR64B (posted).</param>
    /// <returns>true when accepted; false when the queue is full (ENQCMD's retry) or the write is dropped.</returns>
    bool Submit(ulong offset, ReadOnlySpan<byte> data, bool enqueue);
}

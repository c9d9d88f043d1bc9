namespace Emulator.Core.Memory;

/// <summary>
/// A device register window in the physical address space (memory-mapped I/O), registered with
/// <see cref="PhysicalMemory.RegisterMmio"/>.
/// </summary>
/// <remarks>
/// <para>Offsets are relative to the window base. <see cref="PhysicalMemory"/> routes only aligned
/// 4- and 8-byte accesses (<c>TryReadU32</c>, <c>TryWriteU32</c>, <c>TryReadU64</c>, <c>TryWriteU64</c>);
/// bulk copies (<see cref="PhysicalMemory.TryRead"/>, <see cref="PhysicalMemory.TryWrite"/>) are RAM only,
/// so a device that DMAs a queue or a table from a register window sees an external abort, as on a
/// bus that does not route DMA to device registers.</para>
/// <para>Handlers are called on the accessing thread with no lock of <see cref="PhysicalMemory"/> held;
/// they may be called concurrently and synchronise themselves. A register access has side effects
/// (a doorbell write may run a whole command queue before returning).</para>
/// </remarks>
public interface IMmioHandler
{
    /// <summary>Reads a register.</summary>
    /// <param name="offset">Offset in the window, aligned to <paramref name="size"/>.</param>
    /// <param name="size">4 or 8 bytes.</param>
    /// <param name="value">The value read, zero-extended for 4-byte reads.</param>
    /// <returns>false when the access is not accepted (the bus reports an external abort).</returns>
    bool TryRead(ulong offset, int size, out ulong value);

    /// <summary>Writes a register.</summary>
    /// <param name="offset">Offset in the window, aligned to <paramref name="size"/>.</param>
    /// <param name="size">4 or 8 bytes.</param>
    /// <param name="value">The value; for 4-byte writes only bits 31:0 are meaningful.</param>
    /// <returns>false when the access is not accepted (the bus reports an external abort).</returns>
    bool TryWrite(ulong offset, int size, ulong value);
}

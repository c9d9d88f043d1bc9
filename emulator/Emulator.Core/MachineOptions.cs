using Emulator.Core.Iommu;
using Emulator.Core.Paging;

namespace Emulator.Core;

/// <summary>How to build a <see cref="Machine"/>.</summary>
public sealed record MachineOptions
{
    /// <summary>Bytes of emulated RAM (sparse: only touched memory costs host memory).</summary>
    public ulong RamSize { get; init; } = 1UL << 30;

    /// <summary>4-level or 5-level (LA57) paging for new address spaces.</summary>
    public PagingMode Paging { get; init; } = PagingMode.FourLevel;

    /// <summary>4 KiB entries of each device's ATC (a power-of-two multiple of <see cref="AtcWays"/>).</summary>
    public int AtcEntries { get; init; } = 256;

    /// <summary>Associativity of each device's ATC.</summary>
    public int AtcWays { get; init; } = 4;

    /// <summary>Entries of the SMMU's IOTLB.</summary>
    public int IotlbEntries { get; init; } = 512;

    /// <summary>Entries of the SMMU command queue (a power of two).</summary>
    public int CmdqEntries { get; init; } = 256;

    /// <summary>Fault-injection switches of the SMMU driver (each a deliberate driver bug the oracle must catch).</summary>
    public FaultInjection Inject { get; init; }

    /// <summary>The device side the SMMU talks to, built from the sim backend that reaches the
    /// in-process endpoints; null for that sim backend itself. The board backend wraps it: the model's
    /// endpoints keep doing the DMA while every invalidation also goes to the board. If the result is
    /// an <see cref="Pcie.IAtcFillObserver"/>, every endpoint reports its ATC fills to it.</summary>
    public Func<Backends.SimAtcBackend, Pcie.IAtcBackend>? Backend { get; init; }
}

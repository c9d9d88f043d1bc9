using Emulator.Core.Paging;

namespace Emulator.Core;

/// <summary>How to build a <see cref="Machine"/>.</summary>
public sealed record MachineOptions
{
    /// <summary>Bytes of emulated RAM (sparse: only touched memory costs host memory).</summary>
    public ulong RamSize { get; init; } = 1UL << 30;

    /// <summary>4-level or 5-level (LA57) paging for new address spaces.</summary>
    public PagingMode Paging { get; init; } = PagingMode.FourLevel;
}

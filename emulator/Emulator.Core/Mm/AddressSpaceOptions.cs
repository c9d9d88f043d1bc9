using Emulator.Core.Paging;

namespace Emulator.Core.Mm;

/// <summary>Layout of a new address space.</summary>
/// <remarks>Defaults follow Linux x86-64 without randomisation, so runs are reproducible.</remarks>
public sealed record AddressSpaceOptions
{
    public PagingMode Mode { get; init; } = PagingMode.FourLevel;

    /// <summary>Lowest address mmap may use (vm.mmap_min_addr).</summary>
    public ulong MmapMin { get; init; } = 0x1_0000;

    /// <summary>Top of the top-down mmap area (below the stack).</summary>
    public ulong MmapBase { get; init; } = 0x7fff_f000_0000;

    /// <summary>Initial program break (end of bss; the ELF loader sets it).</summary>
    public ulong BrkStart { get; init; } = 0x0000_0100_0000;

    /// <summary>End of user space (TASK_SIZE): the 47-bit lower half, also in 5-level mode unless
    /// <see cref="UseFullAddressSpace"/> (Linux only hands out addresses above 47 bits on request).</summary>
    public ulong UserEnd => UseFullAddressSpace ? Mode.UserAddressEnd() - Memory.Page.Size : 0x7fff_ffff_f000;

    /// <summary>In 5-level mode, allow the whole 56-bit lower half.</summary>
    public bool UseFullAddressSpace { get; init; }
}

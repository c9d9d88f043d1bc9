namespace Emulator.Core.Kernel.Devices;

/// <summary>
/// The guest-visible constants of the SVA device (<c>/dev/svaN</c>); <c>docs/guest-abi.md</c> and
/// <c>tests/guests/include/sva.h</c> define the same values. They are an ABI: never renumber.
/// </summary>
public static class SvaAbi
{
    /// <summary>The ioctl type letter.</summary>
    public const char IoctlType = 'S';

    /// <summary><c>SVA_BIND = _IO('S', 1)</c> = 0x5301: binds the calling process; returns its PASID.</summary>
    public const uint Bind = 0x0000_5301;

    /// <summary><c>SVA_SUBMIT = _IOWR('S', 2, struct sva_desc)</c> = 0xC0405302: runs one descriptor.</summary>
    public const uint Submit = 0xC040_5302;

    /// <summary>Largest <c>len</c> of one descriptor (1 GiB).</summary>
    public const ulong MaxLength = 1UL << 30;

    /// <summary>COMPARE's result when the ranges are equal.</summary>
    public const ulong CompareEqual = ulong.MaxValue;

    /// <summary>Required alignment of the completion record (its size, so it never crosses a page).</summary>
    public const ulong CompletionAlignment = SvaCompletion.Size;

    /// <summary>The device node of emulated SVA device <paramref name="index"/>.</summary>
    public static string DevicePath(int index) => $"/dev/sva{index}";
}

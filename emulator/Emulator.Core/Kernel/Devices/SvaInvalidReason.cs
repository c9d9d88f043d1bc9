namespace Emulator.Core.Kernel.Devices;

/// <summary>Which field made a descriptor invalid (<c>SVA_INVALID_*</c>, in the completion's result).</summary>
public enum SvaInvalidReason : ulong
{
    None = 0,
    /// <summary>op is not one of <see cref="SvaOp"/>.</summary>
    Op = 1,
    /// <summary>flags has a bit set (every bit is reserved, must be zero).</summary>
    Flags = 2,
    /// <summary>len is 0 or above <see cref="SvaAbi.MaxLength"/>.</summary>
    Length = 3,
    /// <summary>src is set for an operation without a source, or src + len wraps.</summary>
    Source = 4,
    /// <summary>dst is set for an operation without a destination, or dst + len wraps.</summary>
    Destination = 5,
    /// <summary>pattern is set for an operation that does not use it (or CRC32C's high 32 bits are set).</summary>
    Pattern = 6,
    /// <summary>A reserved word is not zero.</summary>
    Reserved = 7,
    /// <summary>COPY's source and destination overlap.</summary>
    Overlap = 8,
}

namespace Emulator.Core.Kernel.Devices;

/// <summary>Descriptor operations (<c>SVA_OP_*</c>).</summary>
public enum SvaOp : uint
{
    /// <summary>dst[0, len) = src[0, len); the ranges must not overlap.</summary>
    Copy = 1,
    /// <summary>dst[i] = byte (i mod 8) of the 64-bit little-endian pattern.</summary>
    Fill = 2,
    /// <summary>Compare src and dst; result = offset of the first difference, or all-ones when equal.</summary>
    Compare = 3,
    /// <summary>CRC-32C of src[0, len), continuing from the CRC in the pattern's low 32 bits (0 to start).</summary>
    Crc32C = 4,
}

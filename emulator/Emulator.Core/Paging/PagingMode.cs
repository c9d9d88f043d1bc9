namespace Emulator.Core.Paging;

/// <summary>The x86-64 paging mode: 4-level (48-bit linear addresses) or 5-level LA57 (57-bit).</summary>
/// <remarks>SDM Vol. 3A §4.5: CR4.LA57 selects 5-level paging.</remarks>
public enum PagingMode : byte
{
    FourLevel = 4,
    FiveLevel = 5,
}

/// <summary>Properties of a paging mode.</summary>
public static class PagingModeExtensions
{
    /// <summary>Number of linear-address bits translated: 48 or 57.</summary>
    public static int LinearAddressBits(this PagingMode mode) => mode == PagingMode.FiveLevel ? 57 : 48;

    /// <summary>Number of paging-structure levels: 4 or 5.</summary>
    public static int Levels(this PagingMode mode) => (int)mode;

    /// <summary>Canonical: bits 63 down to the top translated bit are all equal (SDM Vol. 3A §4.1.1).</summary>
    public static bool IsCanonical(this PagingMode mode, ulong va)
    {
        int shift = mode.LinearAddressBits() - 1;
        long top = (long)va >> shift;
        return top == 0 || top == -1;
    }

    /// <summary>Lowest non-canonical user address: the end of the lower half.</summary>
    public static ulong UserAddressEnd(this PagingMode mode) => 1UL << (mode.LinearAddressBits() - 1);
}

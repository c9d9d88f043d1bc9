namespace Emulator.Core.Memory;

/// <summary>Page-size constants and alignment helpers shared by every layer.</summary>
/// <remarks>The base page is 4 KiB (SDM Vol. 3A §4.3); 2 MiB and 1 GiB are the x86-64 large pages.</remarks>
public static class Page
{
    public const int Shift = 12;
    public const int Size = 1 << Shift;
    public const ulong Mask = Size - 1;
    public const int LargeShift = 21;
    public const ulong LargeSize = 1UL << LargeShift;
    public const int HugeShift = 30;
    public const ulong HugeSize = 1UL << HugeShift;

    public static bool IsAligned(ulong value) => (value & Mask) == 0;
    public static ulong AlignDown(ulong value) => value & ~Mask;

    /// <summary>Rounds up to a page boundary; returns false when that overflows 64 bits.</summary>
    public static bool TryAlignUp(ulong value, out ulong aligned)
    {
        if (value > ulong.MaxValue - Mask)
        {
            aligned = 0;
            return false;
        }
        aligned = (value + Mask) & ~Mask;
        return true;
    }
}

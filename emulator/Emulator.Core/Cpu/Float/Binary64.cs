namespace Emulator.Core.Cpu.Float;

/// <summary>IEEE-754 binary64 (double precision, the pd/sd lanes).</summary>
internal readonly struct Binary64 : IFloatFormat
{
    public static int FracBits => 52;
    public static int Bias => 1023;
    public static ulong SignBit => 0x8000_0000_0000_0000;
    public static ulong ExpMask => 0x7FF0_0000_0000_0000;
    public static ulong FracMask => 0x000F_FFFF_FFFF_FFFF;
    public static ulong QuietBit => 0x0008_0000_0000_0000;
    public static ulong DefaultNaN => 0xFFF8_0000_0000_0000;
    public static ulong MaxFinite => 0x7FEF_FFFF_FFFF_FFFF;
}

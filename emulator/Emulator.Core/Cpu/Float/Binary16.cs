namespace Emulator.Core.Cpu.Float;

/// <summary>IEEE-754 binary16 (half precision; F16C conversions only).</summary>
internal readonly struct Binary16 : IFloatFormat
{
    public static int FracBits => 10;
    public static int Bias => 15;
    public static ulong SignBit => 0x8000;
    public static ulong ExpMask => 0x7C00;
    public static ulong FracMask => 0x03FF;
    public static ulong QuietBit => 0x0200;
    public static ulong DefaultNaN => 0xFE00;
    public static ulong MaxFinite => 0x7BFF;
}

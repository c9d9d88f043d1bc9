namespace Emulator.Core.Cpu.Float;

/// <summary>IEEE-754 binary32 (single precision, the ps/ss lanes).</summary>
internal readonly struct Binary32 : IFloatFormat
{
    public static int FracBits => 23;
    public static int Bias => 127;
    public static ulong SignBit => 0x8000_0000;
    public static ulong ExpMask => 0x7F80_0000;
    public static ulong FracMask => 0x007F_FFFF;
    public static ulong QuietBit => 0x0040_0000;
    public static ulong DefaultNaN => 0xFFC0_0000;
    public static ulong MaxFinite => 0x7F7F_FFFF;
}

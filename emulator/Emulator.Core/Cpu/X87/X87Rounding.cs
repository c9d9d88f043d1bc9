namespace Emulator.Core.Cpu.X87;

/// <summary>FCW.RC (bits 11:10; SDM Vol. 1 §4.8.4 Table 4-8).</summary>
public enum X87Rounding : byte
{
    Nearest = 0,
    Down = 1,
    Up = 2,
    TowardZero = 3,
}

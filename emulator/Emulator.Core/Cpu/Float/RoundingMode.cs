namespace Emulator.Core.Cpu.Float;

/// <summary>The four IEEE-754 rounding-direction attributes in MXCSR.RC encoding (SDM Vol. 1 §4.8.4,
/// Table 4-8): the same values select the mode in ROUNDPS/VCVTPS2PH imm8 bits 1:0.</summary>
internal enum RoundingMode : byte
{
    /// <summary>Round to nearest, ties to even (MXCSR.RC = 00).</summary>
    Nearest = 0,

    /// <summary>Round toward −∞ (01).</summary>
    Down = 1,

    /// <summary>Round toward +∞ (10).</summary>
    Up = 2,

    /// <summary>Round toward zero, truncate (11).</summary>
    TowardZero = 3,
}

namespace Emulator.Core.Smmu;

/// <summary>STE.Config (word 0 bits 3:1): what happens to a stream's traffic.</summary>
/// <remarks>SMMUv3 §5.2; Linux <c>STRTAB_STE_0_CFG_*</c>. The values 0b001–0b011 are Reserved and behave
/// as <see cref="Abort"/>. Config 0b1x1 without stage 1 (IDR0.S1P 0) or 0b11x without stage 2 is
/// ILLEGAL (C_BAD_STE).</remarks>
public enum SteConfig : byte
{
    /// <summary>0b000: abort all traffic, no event recorded.</summary>
    Abort = 0b000,

    /// <summary>0b100: both stages bypass; EATS behaves as 0b00.</summary>
    Bypass = 0b100,

    /// <summary>0b101: stage 1 translates, stage 2 bypasses.</summary>
    S1Translate = 0b101,

    /// <summary>0b110: stage 1 bypasses, stage 2 translates.</summary>
    S2Translate = 0b110,

    /// <summary>0b111: both stages translate.</summary>
    Nested = 0b111,
}

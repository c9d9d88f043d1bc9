namespace Emulator.Core.Cpu.Float;

/// <summary>The fields of MXCSR (SDM Vol. 1 §10.2.3, Figure 10-3).</summary>
internal static class MxcsrBits
{
    /// <summary>Invalid operation (flag bit 0; its mask is bit 7).</summary>
    public const uint IE = 1 << 0;

    /// <summary>Denormal operand.</summary>
    public const uint DE = 1 << 1;

    /// <summary>Divide by zero.</summary>
    public const uint ZE = 1 << 2;

    /// <summary>Numeric overflow.</summary>
    public const uint OE = 1 << 3;

    /// <summary>Numeric underflow.</summary>
    public const uint UE = 1 << 4;

    /// <summary>Inexact result (precision).</summary>
    public const uint PE = 1 << 5;

    /// <summary>The six exception flags.</summary>
    public const uint Flags = 0x3F;

    /// <summary>Denormals are zeros.</summary>
    public const uint Daz = 1 << 6;

    /// <summary>Bit position of the exception masks (IM..PM, bits 12:7): a flag's mask is the flag
    /// shifted left by this.</summary>
    public const int MaskShift = 7;

    /// <summary>Rounding control, bits 14:13.</summary>
    public const int RcShift = 13;

    /// <summary>Flush to zero.</summary>
    public const uint Ftz = 1 << 15;

    /// <summary>Bits LDMXCSR may set: 15:0 (MXCSR_MASK 0xFFFF, as FXSAVE reports on a CPU without
    /// AMD's misaligned-SSE mode, which this CPU does not offer). Any other bit set is #GP(0).</summary>
    public const uint Writable = 0xFFFF;

    /// <summary>The masks of the exceptions in <paramref name="flags"/> that are unmasked under
    /// <paramref name="mxcsr"/>, as flag bits.</summary>
    public static uint Unmasked(uint mxcsr, uint flags) => flags & ~(mxcsr >> MaskShift);
}

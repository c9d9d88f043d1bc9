namespace Emulator.Core.Cpu.Float;

/// <summary>
/// The floating-point environment of one SSE/AVX instruction: the controls taken from MXCSR
/// (rounding, DAZ, FTZ, the masks that change a result) and the exception conditions its lanes
/// detect, kept apart as pre-computation (IE, DE, ZE) and post-computation (OE, UE, PE) conditions
/// because the architecture reports them in two steps.
/// </summary>
/// <remarks>
/// SDM Vol. 1 §11.5.1: the processor first ORs the pre-computation conditions of every element; if
/// any of them is unmasked it sets those flags and raises #XM without computing (no post-computation
/// flag is set). Otherwise it computes, ORs the post-computation conditions, sets every flag, and
/// raises #XM if any of those is unmasked; the destination is then unchanged. The per-instruction
/// decision is <see cref="Cpu"/>'s; this struct only collects.
/// </remarks>
internal struct FloatEnv
{
    /// <summary>MXCSR as the instruction found it.</summary>
    public readonly uint Mxcsr;

    /// <summary>The rounding direction: MXCSR.RC, or an override (truncating conversions, ROUNDPS
    /// and VCVTPS2PH immediates).</summary>
    public RoundingMode Rounding;

    /// <summary>Denormal source operands are read as zeros of the same sign (MXCSR.DAZ).</summary>
    public bool Daz;

    /// <summary>Tiny results become zeros of the same sign when underflow is masked (MXCSR.FTZ).</summary>
    public bool Ftz;

    /// <summary>IE, DE and ZE conditions detected so far.</summary>
    public uint Pre;

    /// <summary>OE, UE and PE conditions detected so far.</summary>
    public uint Post;

    public FloatEnv(uint mxcsr)
    {
        Mxcsr = mxcsr;
        Rounding = (RoundingMode)((mxcsr >> MxcsrBits.RcShift) & 3);
        Daz = (mxcsr & MxcsrBits.Daz) != 0;
        Ftz = (mxcsr & MxcsrBits.Ftz) != 0;
    }

    /// <summary>Underflow is masked: the masked response (a denormal or, with FTZ, a zero) is delivered.</summary>
    public readonly bool UnderflowMasked => (Mxcsr & (MxcsrBits.UE << MxcsrBits.MaskShift)) != 0;

    /// <summary>Overflow is masked: ∞ or the largest finite number is delivered.</summary>
    public readonly bool OverflowMasked => (Mxcsr & (MxcsrBits.OE << MxcsrBits.MaskShift)) != 0;

    /// <summary>Every condition detected.</summary>
    public readonly uint Flags => Pre | Post;
}

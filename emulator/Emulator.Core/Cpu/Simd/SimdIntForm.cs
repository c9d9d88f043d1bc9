namespace Emulator.Core.Cpu.Simd;

/// <summary>How a SIMD integer instruction's operands are laid out, which picks its executor in
/// <c>Cpu.SimdInteger*.cs</c>; the arithmetic itself is a <see cref="LaneOp"/>.</summary>
internal enum SimdIntForm : byte
{
    /// <summary>Not this unit's instruction.</summary>
    None,

    /// <summary>dst = op(a, b[, imm8]): legacy <c>xmm1, xmm2/m128</c>, VEX <c>x1, x2, x3/m</c>.</summary>
    Binary,

    /// <summary>dst = shift(src, imm8): legacy <c>xmm1, imm8</c>, VEX <c>x1(vvvv), x2(rm), imm8</c>.</summary>
    ShiftImm,

    /// <summary>dst = op(src[, imm8]) for both encodings: <c>x1, x2/m[, imm8]</c>.</summary>
    Unary,

    /// <summary>PMOVZX/PMOVSX: <c>x1, x2/m(narrow)</c>; the 256-bit form widens a 128-bit source.</summary>
    Extend,

    /// <summary>PBLENDVB/BLENDVPS/BLENDVPD: mask XMM0 (legacy) or the is4 register (VEX).</summary>
    BlendV,

    /// <summary>PTEST/VPTEST: ZF and CF from the two sources, nothing written.</summary>
    PTest,

    /// <summary>A full-register move whose memory operand must be aligned (MOVAPS, MOVDQA, MOVNT*).</summary>
    MoveAligned,

    /// <summary>A full-register move with no alignment requirement (MOVUPS, MOVDQU, LDDQU).</summary>
    MoveUnaligned,

    /// <summary>MOVD/MOVQ between an XMM register and a general-purpose register or memory.</summary>
    MoveGpr,

    /// <summary>MOVQ xmm, xmm/m64 and MOVQ xmm/m64, xmm: the low quadword, the rest zeroed.</summary>
    MoveQ,

    /// <summary>MOVSS/MOVSD (the XMM forms; <see cref="SimdIntEntry.Size"/> is 4 or 8).</summary>
    MoveScalar,

    /// <summary>MOVHPS/MOVHPD: the high quadword to or from m64.</summary>
    MoveHigh,

    /// <summary>MOVLPS/MOVLPD: the low quadword to or from m64.</summary>
    MoveLow,

    /// <summary>MOVHLPS: the high quadword of the source to the low quadword of the destination.</summary>
    MoveHighToLow,

    /// <summary>MOVLHPS: the low quadword of the source to the high quadword of the destination.</summary>
    MoveLowToHigh,

    /// <summary>PMOVMSKB/MOVMSKPS/MOVMSKPD: the sign bits of the elements to a general-purpose register.</summary>
    MoveMask,

    /// <summary>MASKMOVDQU: the bytes whose mask byte has its top bit set are stored at [rDI].</summary>
    MaskMove,

    /// <summary>PEXTRB/W/D/Q and EXTRACTPS: one element to a general-purpose register or memory.</summary>
    Extract,

    /// <summary>PINSRB/W/D/Q: one element from a general-purpose register or memory.</summary>
    Insert,

    /// <summary>INSERTPS: one dword from a register or m32, then a zero mask.</summary>
    InsertPs,
}

namespace Emulator.Core.Cpu.Simd;

/// <summary>
/// What one 128-bit lane of a SIMD integer (or bitwise floating-point) instruction computes. A
/// VEX.256 instruction applies the same operation to each 128-bit lane separately, exactly as the
/// SDM describes the AVX2 forms (in-lane shuffles, unpacks and packs included); the few whose
/// immediate selects differently per lane (BLENDPS, BLENDPD, SHUFPD, MPSADBW) are told the lane.
/// </summary>
/// <remarks>Operand names follow the SDM: <c>a</c> is the first source (the destination of the
/// legacy two-operand form, VEX.vvvv of the three-operand form), <c>b</c> the second (ModRM.rm).</remarks>
internal enum LaneOp : byte
{
    None,

    // bitwise (PAND/ANDPS/ANDPD... are the same operation on 128 bits)
    And, AndNot, Or, Xor,

    // wrapping and saturating add/subtract
    AddB, AddW, AddD, AddQ, AddSB, AddSW, AddUSB, AddUSW,
    SubB, SubW, SubD, SubQ, SubSB, SubSW, SubUSB, SubUSW,

    // multiplies
    MulLoW, MulHiW, MulHiUW, MulUDQ, MulLoD, MulDQ, MulHRSW, MAddWD, MAddUBSW,

    // sums of differences and averages
    SadBW, MpSadBW, AvgB, AvgW,

    // minimum and maximum
    MinSB, MinSW, MinSD, MinUB, MinUW, MinUD, MaxSB, MaxSW, MaxSD, MaxUB, MaxUW, MaxUD,

    // SSSE3 sign and horizontal add/subtract
    SignB, SignW, SignD, HAddW, HAddD, HAddSW, HSubW, HSubD, HSubSW,

    // compares
    CmpEqB, CmpEqW, CmpEqD, CmpEqQ, CmpGtB, CmpGtW, CmpGtD, CmpGtQ,

    // element shifts (count from the low quadword of b, or an immediate) and byte shifts
    SllW, SllD, SllQ, SrlW, SrlD, SrlQ, SraW, SraD, SllDQ, SrlDQ,

    // packs and unpacks
    PackSSWB, PackUSWB, PackSSDW, PackUSDW,
    UnpackLoB, UnpackLoW, UnpackLoD, UnpackLoQ, UnpackHiB, UnpackHiW, UnpackHiD, UnpackHiQ,

    // shuffles and blends with an immediate or a control vector
    ShufB, AlignR, ShufPS, ShufPD, BlendW, BlendPS, BlendPD,

    // variable blends (mask vector: the sign of each byte, dword or qword)
    BlendVB, BlendVPS, BlendVPD,

    // one source
    AbsB, AbsW, AbsD, ShufD, ShufHW, ShufLW, DupLoQ, DupEvenD, DupOddD, MinPosUW,

    // PMOVZX/PMOVSX: widen the low elements of the source
    ZxBW, ZxBD, ZxBQ, ZxWD, ZxWQ, ZxDQ, SxBW, SxBD, SxBQ, SxWD, SxWQ, SxDQ,
}

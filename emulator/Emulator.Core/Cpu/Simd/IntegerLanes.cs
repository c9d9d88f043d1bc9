using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Emulator.Core.Cpu.Simd;

/// <summary>
/// The arithmetic of the SIMD integer unit on one 128-bit lane: pure functions of the source
/// lanes and the immediate, no CPU state. The element-wise operations use the cross-platform
/// <see cref="Vector128"/> API (the JIT emits the host's instruction where there is one and a
/// software loop where there is not); the rest are written per element from the SDM's pseudocode.
/// The unpacks alone use an x86 intrinsic when the host has it (<see cref="PortableLanes"/> keeps
/// the portable version, and the tests check one against the other).
/// </summary>
/// <remarks>References: Intel SDM Vol. 2 (the instruction pages), Vol. 1 §9–§12 (data types,
/// saturation, the per-lane operation of the 256-bit forms, §14.1).</remarks>
internal static partial class IntegerLanes
{
    /// <summary>Two-source operations: <paramref name="a"/> is the first source, <paramref name="b"/>
    /// the second (for the shifts by register, its low quadword is the count).</summary>
    /// <param name="op">The operation.</param>
    /// <param name="a">First source lane.</param>
    /// <param name="b">Second source lane.</param>
    /// <param name="imm">The instruction's imm8 (ignored by operations without one).</param>
    /// <param name="lane">0 for the low 128 bits, 1 for the high lane of a 256-bit form.</param>
    public static Vector128<byte> Binary(LaneOp op, Vector128<byte> a, Vector128<byte> b, int imm, int lane)
    {
        switch (op)
        {
            case LaneOp.And: return a & b;
            case LaneOp.AndNot: return Vector128.AndNot(b, a);
            case LaneOp.Or: return a | b;
            case LaneOp.Xor: return a ^ b;

            case LaneOp.AddB: return a + b;
            case LaneOp.AddW: return (a.AsUInt16() + b.AsUInt16()).AsByte();
            case LaneOp.AddD: return (a.AsUInt32() + b.AsUInt32()).AsByte();
            case LaneOp.AddQ: return (a.AsUInt64() + b.AsUInt64()).AsByte();
            case LaneOp.AddSB: return Vector128.AddSaturate(a.AsSByte(), b.AsSByte()).AsByte();
            case LaneOp.AddSW: return Vector128.AddSaturate(a.AsInt16(), b.AsInt16()).AsByte();
            case LaneOp.AddUSB: return Vector128.AddSaturate(a, b);
            case LaneOp.AddUSW: return Vector128.AddSaturate(a.AsUInt16(), b.AsUInt16()).AsByte();
            case LaneOp.SubB: return a - b;
            case LaneOp.SubW: return (a.AsUInt16() - b.AsUInt16()).AsByte();
            case LaneOp.SubD: return (a.AsUInt32() - b.AsUInt32()).AsByte();
            case LaneOp.SubQ: return (a.AsUInt64() - b.AsUInt64()).AsByte();
            case LaneOp.SubSB: return Vector128.SubtractSaturate(a.AsSByte(), b.AsSByte()).AsByte();
            case LaneOp.SubSW: return Vector128.SubtractSaturate(a.AsInt16(), b.AsInt16()).AsByte();
            case LaneOp.SubUSB: return Vector128.SubtractSaturate(a, b);
            case LaneOp.SubUSW: return Vector128.SubtractSaturate(a.AsUInt16(), b.AsUInt16()).AsByte();

            case LaneOp.MulLoW: return (a.AsInt16() * b.AsInt16()).AsByte();
            case LaneOp.MulLoD: return (a.AsInt32() * b.AsInt32()).AsByte();
            case LaneOp.MulHiW: return MulHighSigned16(a, b);
            case LaneOp.MulHiUW: return MulHighUnsigned16(a, b);
            case LaneOp.MulUDQ: return MulEvenUnsigned32(a, b);
            case LaneOp.MulDQ: return MulEvenSigned32(a, b);
            case LaneOp.MulHRSW: return MulHighRoundScale16(a, b);
            case LaneOp.MAddWD: return MultiplyAddWords(a, b);
            case LaneOp.MAddUBSW: return MultiplyAddUnsignedSignedBytes(a, b);
            case LaneOp.SadBW: return SumAbsoluteDifferences(a, b);
            case LaneOp.MpSadBW: return MultipleSumAbsoluteDifferences(a, b, imm >> (3 * lane));
            case LaneOp.AvgB: return Average8(a, b);
            case LaneOp.AvgW: return Average16(a, b);

            case LaneOp.MinSB: return Vector128.Min(a.AsSByte(), b.AsSByte()).AsByte();
            case LaneOp.MinSW: return Vector128.Min(a.AsInt16(), b.AsInt16()).AsByte();
            case LaneOp.MinSD: return Vector128.Min(a.AsInt32(), b.AsInt32()).AsByte();
            case LaneOp.MinUB: return Vector128.Min(a, b);
            case LaneOp.MinUW: return Vector128.Min(a.AsUInt16(), b.AsUInt16()).AsByte();
            case LaneOp.MinUD: return Vector128.Min(a.AsUInt32(), b.AsUInt32()).AsByte();
            case LaneOp.MaxSB: return Vector128.Max(a.AsSByte(), b.AsSByte()).AsByte();
            case LaneOp.MaxSW: return Vector128.Max(a.AsInt16(), b.AsInt16()).AsByte();
            case LaneOp.MaxSD: return Vector128.Max(a.AsInt32(), b.AsInt32()).AsByte();
            case LaneOp.MaxUB: return Vector128.Max(a, b);
            case LaneOp.MaxUW: return Vector128.Max(a.AsUInt16(), b.AsUInt16()).AsByte();
            case LaneOp.MaxUD: return Vector128.Max(a.AsUInt32(), b.AsUInt32()).AsByte();

            case LaneOp.SignB: return Sign(a.AsSByte(), b.AsSByte()).AsByte();
            case LaneOp.SignW: return Sign(a.AsInt16(), b.AsInt16()).AsByte();
            case LaneOp.SignD: return Sign(a.AsInt32(), b.AsInt32()).AsByte();
            case LaneOp.HAddW: return Horizontal16(a, b, subtract: false, saturate: false);
            case LaneOp.HAddSW: return Horizontal16(a, b, subtract: false, saturate: true);
            case LaneOp.HSubW: return Horizontal16(a, b, subtract: true, saturate: false);
            case LaneOp.HSubSW: return Horizontal16(a, b, subtract: true, saturate: true);
            case LaneOp.HAddD: return Horizontal32(a, b, subtract: false);
            case LaneOp.HSubD: return Horizontal32(a, b, subtract: true);

            case LaneOp.CmpEqB: return Vector128.Equals(a, b);
            case LaneOp.CmpEqW: return Vector128.Equals(a.AsUInt16(), b.AsUInt16()).AsByte();
            case LaneOp.CmpEqD: return Vector128.Equals(a.AsUInt32(), b.AsUInt32()).AsByte();
            case LaneOp.CmpEqQ: return Vector128.Equals(a.AsUInt64(), b.AsUInt64()).AsByte();
            case LaneOp.CmpGtB: return Vector128.GreaterThan(a.AsSByte(), b.AsSByte()).AsByte();
            case LaneOp.CmpGtW: return Vector128.GreaterThan(a.AsInt16(), b.AsInt16()).AsByte();
            case LaneOp.CmpGtD: return Vector128.GreaterThan(a.AsInt32(), b.AsInt32()).AsByte();
            case LaneOp.CmpGtQ: return Vector128.GreaterThan(a.AsInt64(), b.AsInt64()).AsByte();

            case LaneOp.SllW: case LaneOp.SllD: case LaneOp.SllQ:
            case LaneOp.SrlW: case LaneOp.SrlD: case LaneOp.SrlQ:
            case LaneOp.SraW: case LaneOp.SraD:
                return Shift(op, a, b.AsUInt64().ToScalar());

            case LaneOp.PackSSWB: return Vector128.NarrowWithSaturation(a.AsInt16(), b.AsInt16()).AsByte();
            case LaneOp.PackSSDW: return Vector128.NarrowWithSaturation(a.AsInt32(), b.AsInt32()).AsByte();
            case LaneOp.PackUSWB: return PackUnsigned16(a, b);
            case LaneOp.PackUSDW: return PackUnsigned32(a, b);
            case LaneOp.UnpackLoB: case LaneOp.UnpackLoW: case LaneOp.UnpackLoD: case LaneOp.UnpackLoQ:
            case LaneOp.UnpackHiB: case LaneOp.UnpackHiW: case LaneOp.UnpackHiD: case LaneOp.UnpackHiQ:
                return Unpack(op, a, b);

            case LaneOp.ShufB: return ShuffleBytes(a, b);
            case LaneOp.AlignR: return AlignRight(a, b, imm);
            case LaneOp.ShufPS: return ShuffleSingles(a, b, imm);
            case LaneOp.ShufPD: return ShuffleDoubles(a, b, imm >> (2 * lane));
            case LaneOp.BlendW: return BlendImmediate16(a, b, imm);
            case LaneOp.BlendPS: return BlendImmediate32(a, b, imm >> (4 * lane));
            case LaneOp.BlendPD: return BlendImmediate64(a, b, imm >> (2 * lane));

            default: throw new ArgumentOutOfRangeException(nameof(op), op, "not a two-source lane operation");
        }
    }

    /// <summary>One-source operations (PABS*, PSHUF[D|HW|LW], MOVDDUP/MOVSLDUP/MOVSHDUP, PHMINPOSUW).</summary>
    /// <param name="op">The operation.</param>
    /// <param name="a">The source lane.</param>
    /// <param name="imm">The imm8 of the shuffles.</param>
    public static Vector128<byte> Unary(LaneOp op, Vector128<byte> a, int imm)
    {
        switch (op)
        {
            // Abs of the most negative element is itself (0x80 → 0x80), which is what PABS* returns.
            case LaneOp.AbsB: return Vector128.Abs(a.AsSByte()).AsByte();
            case LaneOp.AbsW: return Vector128.Abs(a.AsInt16()).AsByte();
            case LaneOp.AbsD: return Vector128.Abs(a.AsInt32()).AsByte();
            case LaneOp.ShufD: return ShuffleDwords(a, imm);
            case LaneOp.ShufHW: return ShuffleHighWords(a, imm);
            case LaneOp.ShufLW: return ShuffleLowWords(a, imm);
            case LaneOp.DupLoQ: return Vector128.Create(a.AsUInt64().ToScalar()).AsByte();
            case LaneOp.DupEvenD: return DuplicateDwords(a, odd: 0);
            case LaneOp.DupOddD: return DuplicateDwords(a, odd: 1);
            case LaneOp.MinPosUW: return MinimumPosition(a);
            default: throw new ArgumentOutOfRangeException(nameof(op), op, "not a one-source lane operation");
        }
    }

    /// <summary>Element <paramref name="k"/> of <paramref name="v"/> viewed as <typeparamref name="T"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static ref T At<T>(ref Vector128<byte> v, int k) where T : unmanaged =>
        ref Unsafe.Add(ref Unsafe.As<Vector128<byte>, T>(ref v), k);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static short SaturateToInt16(int x) => (short)Math.Clamp(x, short.MinValue, short.MaxValue);
}

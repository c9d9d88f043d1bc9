using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Emulator.Core.Cpu.Simd;

/// <summary>Shifts, packs, unpacks, shuffles, blends and the widening moves.</summary>
internal static partial class IntegerLanes
{
    /// <summary>PSLL/PSRL/PSRA by <paramref name="count"/> (the whole 64-bit count, or the imm8) and
    /// PSLLDQ/PSRLDQ by <paramref name="count"/> bytes. A count past the element width gives zero
    /// for the logical shifts and the sign for the arithmetic ones (SDM Vol. 2B PSLLW/PSRAW).</summary>
    /// <param name="op">The shift.</param>
    /// <param name="a">The lane to shift.</param>
    /// <param name="count">The count, unsigned.</param>
    public static Vector128<byte> Shift(LaneOp op, Vector128<byte> a, ulong count)
    {
        switch (op)
        {
            case LaneOp.SllW: return count > 15 ? default : Vector128.ShiftLeft(a.AsUInt16(), (int)count).AsByte();
            case LaneOp.SllD: return count > 31 ? default : Vector128.ShiftLeft(a.AsUInt32(), (int)count).AsByte();
            case LaneOp.SllQ: return count > 63 ? default : Vector128.ShiftLeft(a.AsUInt64(), (int)count).AsByte();
            case LaneOp.SrlW: return count > 15 ? default : Vector128.ShiftRightLogical(a.AsUInt16(), (int)count).AsByte();
            case LaneOp.SrlD: return count > 31 ? default : Vector128.ShiftRightLogical(a.AsUInt32(), (int)count).AsByte();
            case LaneOp.SrlQ: return count > 63 ? default : Vector128.ShiftRightLogical(a.AsUInt64(), (int)count).AsByte();
            case LaneOp.SraW: return Vector128.ShiftRightArithmetic(a.AsInt16(), (int)Math.Min(count, 15)).AsByte();
            case LaneOp.SraD: return Vector128.ShiftRightArithmetic(a.AsInt32(), (int)Math.Min(count, 31)).AsByte();
            case LaneOp.SllDQ: return ShiftBytes(a, count > 15 ? 16 : (int)count, left: true);
            case LaneOp.SrlDQ: return ShiftBytes(a, count > 15 ? 16 : (int)count, left: false);
            default: throw new ArgumentOutOfRangeException(nameof(op), op, "not a shift");
        }
    }

    private static Vector128<byte> ShiftBytes(Vector128<byte> a, int n, bool left)
    {
        Vector128<byte> r = default;
        for (int k = 0; k < 16; k++)
        {
            int from = left ? k - n : k + n;
            if ((uint)from < 16)
            {
                At<byte>(ref r, k) = At<byte>(ref a, from);
            }
        }
        return r;
    }

    /// <summary>PACKUSWB: signed words to unsigned bytes with saturation, <paramref name="a"/> then <paramref name="b"/>.</summary>
    private static Vector128<byte> PackUnsigned16(Vector128<byte> a, Vector128<byte> b)
    {
        Vector128<short> lo = Vector128<short>.Zero, hi = Vector128.Create((short)255);
        Vector128<short> x = Vector128.Clamp(a.AsInt16(), lo, hi), y = Vector128.Clamp(b.AsInt16(), lo, hi);
        return Vector128.Narrow(x.AsUInt16(), y.AsUInt16());
    }

    /// <summary>PACKUSDW: signed dwords to unsigned words with saturation.</summary>
    private static Vector128<byte> PackUnsigned32(Vector128<byte> a, Vector128<byte> b)
    {
        Vector128<int> lo = Vector128<int>.Zero, hi = Vector128.Create(65535);
        Vector128<int> x = Vector128.Clamp(a.AsInt32(), lo, hi), y = Vector128.Clamp(b.AsInt32(), lo, hi);
        return Vector128.Narrow(x.AsUInt32(), y.AsUInt32()).AsByte();
    }

    /// <summary>PUNPCKL*/PUNPCKH* (and UNPCK[LH]P[SD]): the low or high halves of the two lanes interleaved,
    /// <paramref name="a"/>'s element first.</summary>
    private static Vector128<byte> Unpack(LaneOp op, Vector128<byte> a, Vector128<byte> b)
    {
        if (Sse2.IsSupported)
        {
            return op switch
            {
                LaneOp.UnpackLoB => Sse2.UnpackLow(a, b),
                LaneOp.UnpackLoW => Sse2.UnpackLow(a.AsUInt16(), b.AsUInt16()).AsByte(),
                LaneOp.UnpackLoD => Sse2.UnpackLow(a.AsUInt32(), b.AsUInt32()).AsByte(),
                LaneOp.UnpackLoQ => Sse2.UnpackLow(a.AsUInt64(), b.AsUInt64()).AsByte(),
                LaneOp.UnpackHiB => Sse2.UnpackHigh(a, b),
                LaneOp.UnpackHiW => Sse2.UnpackHigh(a.AsUInt16(), b.AsUInt16()).AsByte(),
                LaneOp.UnpackHiD => Sse2.UnpackHigh(a.AsUInt32(), b.AsUInt32()).AsByte(),
                _ => Sse2.UnpackHigh(a.AsUInt64(), b.AsUInt64()).AsByte(),
            };
        }
        return PortableLanes.Unpack(op, a, b);
    }

    /// <summary>PSHUFB: byte k is a[b[k] &amp; 15], or zero when b[k] has its top bit set. Vector128.Shuffle
    /// gives zero for an index past 15, so clearing bits 6:4 and keeping bit 7 is exactly that.</summary>
    private static Vector128<byte> ShuffleBytes(Vector128<byte> a, Vector128<byte> b) =>
        Vector128.Shuffle(a, b & Vector128.Create((byte)0x8F));

    /// <summary>PALIGNR: the 32-byte concatenation a:b (a high) shifted right by imm bytes, low 16 kept.</summary>
    private static Vector128<byte> AlignRight(Vector128<byte> a, Vector128<byte> b, int imm)
    {
        Vector128<byte> r = default;
        for (int k = 0; k < 16; k++)
        {
            int from = k + imm;
            if (from < 16)
            {
                At<byte>(ref r, k) = At<byte>(ref b, from);
            }
            else if (from < 32)
            {
                At<byte>(ref r, k) = At<byte>(ref a, from - 16);
            }
        }
        return r;
    }

    /// <summary>SHUFPS: dwords 0–1 chosen from <paramref name="a"/>, 2–3 from <paramref name="b"/>, two imm bits each.</summary>
    private static Vector128<byte> ShuffleSingles(Vector128<byte> a, Vector128<byte> b, int imm)
    {
        Vector128<uint> x = a.AsUInt32(), y = b.AsUInt32();
        return Vector128.Create(x.GetElement(imm & 3), x.GetElement((imm >> 2) & 3),
            y.GetElement((imm >> 4) & 3), y.GetElement((imm >> 6) & 3)).AsByte();
    }

    /// <summary>SHUFPD: quadword 0 from <paramref name="a"/> (imm bit 0), quadword 1 from <paramref name="b"/> (imm bit 1).</summary>
    private static Vector128<byte> ShuffleDoubles(Vector128<byte> a, Vector128<byte> b, int imm) =>
        Vector128.Create(a.AsUInt64().GetElement(imm & 1), b.AsUInt64().GetElement((imm >> 1) & 1)).AsByte();

    /// <summary>PBLENDW: word k from <paramref name="b"/> when imm bit k is set.</summary>
    private static Vector128<byte> BlendImmediate16(Vector128<byte> a, Vector128<byte> b, int imm)
    {
        Vector128<short> mask = Vector128.Create(1, 2, 4, 8, 16, 32, 64, 128);
        Vector128<short> select = Vector128.Equals(mask & Vector128.Create((short)imm), mask);
        return Vector128.ConditionalSelect(select.AsByte(), b, a);
    }

    /// <summary>BLENDPS: dword k from <paramref name="b"/> when imm bit k is set.</summary>
    private static Vector128<byte> BlendImmediate32(Vector128<byte> a, Vector128<byte> b, int imm)
    {
        Vector128<int> mask = Vector128.Create(1, 2, 4, 8);
        Vector128<int> select = Vector128.Equals(mask & Vector128.Create(imm), mask);
        return Vector128.ConditionalSelect(select.AsByte(), b, a);
    }

    /// <summary>BLENDPD: quadword k from <paramref name="b"/> when imm bit k is set.</summary>
    private static Vector128<byte> BlendImmediate64(Vector128<byte> a, Vector128<byte> b, int imm)
    {
        Vector128<long> mask = Vector128.Create(1L, 2L);
        Vector128<long> select = Vector128.Equals(mask & Vector128.Create((long)imm), mask);
        return Vector128.ConditionalSelect(select.AsByte(), b, a);
    }

    /// <summary>PBLENDVB/BLENDVPS/BLENDVPD: each byte, dword or quadword from <paramref name="b"/>
    /// where the corresponding element of <paramref name="mask"/> has its sign bit set.</summary>
    /// <param name="op">The element size.</param>
    /// <param name="a">Taken where the mask element is non-negative.</param>
    /// <param name="b">Taken where the mask element is negative.</param>
    /// <param name="mask">The selector.</param>
    public static Vector128<byte> BlendVariable(LaneOp op, Vector128<byte> a, Vector128<byte> b, Vector128<byte> mask)
    {
        Vector128<byte> select = op switch
        {
            LaneOp.BlendVB => Vector128.ShiftRightArithmetic(mask.AsSByte(), 7).AsByte(),
            LaneOp.BlendVPS => Vector128.ShiftRightArithmetic(mask.AsInt32(), 31).AsByte(),
            _ => Vector128.ShiftRightArithmetic(mask.AsInt64(), 63).AsByte(),
        };
        return Vector128.ConditionalSelect(select, b, a);
    }

    /// <summary>PSHUFD: dword k is a[imm bits 2k+1:2k].</summary>
    private static Vector128<byte> ShuffleDwords(Vector128<byte> a, int imm) =>
        Vector128.Shuffle(a.AsUInt32(), Vector128.Create((uint)imm & 3, ((uint)imm >> 2) & 3, ((uint)imm >> 4) & 3, ((uint)imm >> 6) & 3)).AsByte();

    /// <summary>PSHUFHW: the low quadword kept, words 4–7 chosen among words 4–7.</summary>
    private static Vector128<byte> ShuffleHighWords(Vector128<byte> a, int imm)
    {
        var idx = Vector128.Create((ushort)0, 1, 2, 3, (ushort)(4 + (imm & 3)), (ushort)(4 + ((imm >> 2) & 3)),
            (ushort)(4 + ((imm >> 4) & 3)), (ushort)(4 + ((imm >> 6) & 3)));
        return Vector128.Shuffle(a.AsUInt16(), idx).AsByte();
    }

    /// <summary>PSHUFLW: words 0–3 chosen among words 0–3, the high quadword kept.</summary>
    private static Vector128<byte> ShuffleLowWords(Vector128<byte> a, int imm)
    {
        var idx = Vector128.Create((ushort)(imm & 3), (ushort)((imm >> 2) & 3), (ushort)((imm >> 4) & 3),
            (ushort)((imm >> 6) & 3), 4, 5, 6, 7);
        return Vector128.Shuffle(a.AsUInt16(), idx).AsByte();
    }

    /// <summary>MOVSLDUP (<paramref name="odd"/> 0) and MOVSHDUP (1): each even or odd dword twice.</summary>
    private static Vector128<byte> DuplicateDwords(Vector128<byte> a, uint odd) =>
        Vector128.Shuffle(a.AsUInt32(), Vector128.Create(odd, odd, 2 + odd, 2 + odd)).AsByte();

    /// <summary>PMOVZX/PMOVSX: the low elements of <paramref name="src"/> zero- or sign-extended to
    /// fill 256 bits (the 128-bit forms keep the low half).</summary>
    /// <param name="op">The widening.</param>
    /// <param name="src">The source (its low 2, 4, 8 or 16 bytes are used).</param>
    public static Vector256<byte> Extend(LaneOp op, Vector128<byte> src)
    {
        (int from, int to, bool signed) = op switch
        {
            LaneOp.ZxBW => (1, 2, false), LaneOp.ZxBD => (1, 4, false), LaneOp.ZxBQ => (1, 8, false),
            LaneOp.ZxWD => (2, 4, false), LaneOp.ZxWQ => (2, 8, false), LaneOp.ZxDQ => (4, 8, false),
            LaneOp.SxBW => (1, 2, true), LaneOp.SxBD => (1, 4, true), LaneOp.SxBQ => (1, 8, true),
            LaneOp.SxWD => (2, 4, true), LaneOp.SxWQ => (2, 8, true), _ => (4, 8, true),
        };
        Vector256<byte> r = default;
        Span<byte> outBytes = MemoryMarshal.CreateSpan(ref Unsafe.As<Vector256<byte>, byte>(ref r), 32);
        for (int k = 0; k < 32 / to; k++)
        {
            ulong v = from switch
            {
                1 => signed ? (ulong)(long)At<sbyte>(ref src, k) : At<byte>(ref src, k),
                2 => signed ? (ulong)(long)At<short>(ref src, k) : At<ushort>(ref src, k),
                _ => signed ? (ulong)(long)At<int>(ref src, k) : At<uint>(ref src, k),
            };
            for (int j = 0; j < to; j++)
            {
                outBytes[k * to + j] = (byte)(v >> (8 * j));
            }
        }
        return r;
    }
}

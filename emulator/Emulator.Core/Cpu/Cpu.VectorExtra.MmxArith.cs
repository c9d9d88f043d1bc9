using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using Iced.Intel;

namespace Emulator.Core.Cpu;

public sealed partial class Cpu
{
    /// <summary>
    /// The result of a two-operand MMX operation on 64-bit values: <paramref name="a"/> is the
    /// destination's old value, <paramref name="b"/> the source (for the shift-by-imm8 forms, the
    /// count), <paramref name="imm"/> the imm8 of PSHUFW and PALIGNR. Pure: no state is touched.
    /// </summary>
    /// <remarks>The lane-parallel operations run on the low half of a <see cref="Vector128{T}"/>; the
    /// rest are loops over at most eight elements. Semantics per SDM Vol. 2 (each instruction's
    /// Operation section): saturation, signedness and the 64-bit forms of PMULUDQ/PADDQ/PSUBQ.</remarks>
    private static ulong MmxCompute(Mnemonic m, ulong a, ulong b, byte imm)
    {
        Vector128<ulong> va = Vector128.CreateScalar(a), vb = Vector128.CreateScalar(b);
        switch (m)
        {
            case Mnemonic.Paddb: return Low(va.AsByte() + vb.AsByte());
            case Mnemonic.Paddw: return Low(va.AsUInt16() + vb.AsUInt16());
            case Mnemonic.Paddd: return Low(va.AsUInt32() + vb.AsUInt32());
            case Mnemonic.Paddq: return a + b;
            case Mnemonic.Paddsb: return Low(Vector128.AddSaturate(va.AsSByte(), vb.AsSByte()));
            case Mnemonic.Paddsw: return Low(Vector128.AddSaturate(va.AsInt16(), vb.AsInt16()));
            case Mnemonic.Paddusb: return Low(Vector128.AddSaturate(va.AsByte(), vb.AsByte()));
            case Mnemonic.Paddusw: return Low(Vector128.AddSaturate(va.AsUInt16(), vb.AsUInt16()));
            case Mnemonic.Psubb: return Low(va.AsByte() - vb.AsByte());
            case Mnemonic.Psubw: return Low(va.AsUInt16() - vb.AsUInt16());
            case Mnemonic.Psubd: return Low(va.AsUInt32() - vb.AsUInt32());
            case Mnemonic.Psubq: return a - b;
            case Mnemonic.Psubsb: return Low(Vector128.SubtractSaturate(va.AsSByte(), vb.AsSByte()));
            case Mnemonic.Psubsw: return Low(Vector128.SubtractSaturate(va.AsInt16(), vb.AsInt16()));
            case Mnemonic.Psubusb: return Low(Vector128.SubtractSaturate(va.AsByte(), vb.AsByte()));
            case Mnemonic.Psubusw: return Low(Vector128.SubtractSaturate(va.AsUInt16(), vb.AsUInt16()));
            case Mnemonic.Pmullw: return Low(va.AsInt16() * vb.AsInt16());
            case Mnemonic.Pand: return a & b;
            case Mnemonic.Pandn: return ~a & b;
            case Mnemonic.Por: return a | b;
            case Mnemonic.Pxor: return a ^ b;
            case Mnemonic.Pcmpeqb: return Low(Vector128.Equals(va.AsByte(), vb.AsByte()));
            case Mnemonic.Pcmpeqw: return Low(Vector128.Equals(va.AsUInt16(), vb.AsUInt16()));
            case Mnemonic.Pcmpeqd: return Low(Vector128.Equals(va.AsUInt32(), vb.AsUInt32()));
            case Mnemonic.Pcmpgtb: return Low(Vector128.GreaterThan(va.AsSByte(), vb.AsSByte()));
            case Mnemonic.Pcmpgtw: return Low(Vector128.GreaterThan(va.AsInt16(), vb.AsInt16()));
            case Mnemonic.Pcmpgtd: return Low(Vector128.GreaterThan(va.AsInt32(), vb.AsInt32()));
            case Mnemonic.Pmaxsw: return Low(Vector128.Max(va.AsInt16(), vb.AsInt16()));
            case Mnemonic.Pmaxub: return Low(Vector128.Max(va.AsByte(), vb.AsByte()));
            case Mnemonic.Pminsw: return Low(Vector128.Min(va.AsInt16(), vb.AsInt16()));
            case Mnemonic.Pminub: return Low(Vector128.Min(va.AsByte(), vb.AsByte()));
            case Mnemonic.Pmuludq: return (ulong)(uint)a * (uint)b;
            case Mnemonic.Psllw: return b > 15 ? 0 : Low(Vector128.ShiftLeft(va.AsUInt16(), (int)b));
            case Mnemonic.Pslld: return b > 31 ? 0 : Low(Vector128.ShiftLeft(va.AsUInt32(), (int)b));
            case Mnemonic.Psllq: return b > 63 ? 0 : a << (int)b;
            case Mnemonic.Psrlw: return b > 15 ? 0 : Low(Vector128.ShiftRightLogical(va.AsUInt16(), (int)b));
            case Mnemonic.Psrld: return b > 31 ? 0 : Low(Vector128.ShiftRightLogical(va.AsUInt32(), (int)b));
            case Mnemonic.Psrlq: return b > 63 ? 0 : a >> (int)b;
            case Mnemonic.Psraw: return Low(Vector128.ShiftRightArithmetic(va.AsInt16(), (int)Math.Min(b, 15)));
            case Mnemonic.Psrad: return Low(Vector128.ShiftRightArithmetic(va.AsInt32(), (int)Math.Min(b, 31)));
            case Mnemonic.Packsswb:
                return Low(Vector128.NarrowWithSaturation(Vector128.Create(a, b).AsInt16(), Vector128<short>.Zero));
            case Mnemonic.Packssdw:
                return Low(Vector128.NarrowWithSaturation(Vector128.Create(a, b).AsInt32(), Vector128<int>.Zero));
            case Mnemonic.Packuswb:
            {
                Vector128<short> w = Vector128.Create(a, b).AsInt16();
                w = Vector128.Min(Vector128.Max(w, Vector128<short>.Zero), Vector128.Create((short)255));
                return Low(Vector128.Narrow(w, Vector128<short>.Zero));
            }
            case Mnemonic.Punpcklbw: return Unpack(a, b, 8, 0);
            case Mnemonic.Punpcklwd: return Unpack(a, b, 16, 0);
            case Mnemonic.Punpckldq: return Unpack(a, b, 32, 0);
            case Mnemonic.Punpckhbw: return Unpack(a, b, 8, 32);
            case Mnemonic.Punpckhwd: return Unpack(a, b, 16, 32);
            case Mnemonic.Punpckhdq: return Unpack(a, b, 32, 32);
            case Mnemonic.Pavgb: return Low(Vector128.WidenLower(va.AsByte()) + Vector128.WidenLower(vb.AsByte()) + Vector128.Create((ushort)1) >>> 1, bytes: true);
            case Mnemonic.Pavgw: return PerWord(a, b, static (x, y) => (ushort)(((uint)(ushort)x + (ushort)y + 1) >> 1));
            case Mnemonic.Pmulhw: return PerWord(a, b, static (x, y) => (ushort)((x * y) >> 16));
            case Mnemonic.Pmulhuw: return PerWord(a, b, static (x, y) => (ushort)(((uint)(ushort)x * (ushort)y) >> 16));
            case Mnemonic.Pmulhrsw: return PerWord(a, b, static (x, y) => (ushort)((((x * y) >> 14) + 1) >> 1));
            case Mnemonic.Pmaddwd:
                return (uint)((short)a * (short)(b) + (short)(a >> 16) * (short)(b >> 16))
                    | ((ulong)(uint)((short)(a >> 32) * (short)(b >> 32) + (short)(a >> 48) * (short)(b >> 48)) << 32);
            case Mnemonic.Pmaddubsw:
            {
                ulong r = 0;
                for (int k = 0; k < 4; k++)
                {
                    int s = (byte)(a >> (16 * k)) * (sbyte)(b >> (16 * k)) + (byte)(a >> (16 * k + 8)) * (sbyte)(b >> (16 * k + 8));
                    r |= (ulong)(ushort)Math.Clamp(s, short.MinValue, short.MaxValue) << (16 * k);
                }
                return r;
            }
            case Mnemonic.Psadbw:
            {
                ulong sum = 0;
                for (int k = 0; k < 8; k++)
                {
                    sum += (ulong)Math.Abs((byte)(a >> (8 * k)) - (byte)(b >> (8 * k)));
                }
                return sum;
            }
            case Mnemonic.Pshufw:
            {
                ulong r = 0;
                for (int k = 0; k < 4; k++)
                {
                    r |= ((b >> (16 * ((imm >> (2 * k)) & 3))) & 0xFFFF) << (16 * k);
                }
                return r;
            }
            case Mnemonic.Pshufb:
            {
                ulong r = 0;
                for (int k = 0; k < 8; k++)
                {
                    byte c = (byte)(b >> (8 * k));
                    if ((c & 0x80) == 0)
                    {
                        r |= ((a >> (8 * (c & 7))) & 0xFF) << (8 * k);
                    }
                }
                return r;
            }
            case Mnemonic.Palignr:
                return imm >= 16 ? 0 : (ulong)((((UInt128)a << 64) | b) >> (8 * imm));
            case Mnemonic.Phaddw: return Horizontal16(a, b, static (x, y) => x + y);
            case Mnemonic.Phaddsw: return Horizontal16(a, b, static (x, y) => Math.Clamp(x + y, short.MinValue, short.MaxValue));
            case Mnemonic.Phsubw: return Horizontal16(a, b, static (x, y) => x - y);
            case Mnemonic.Phsubsw: return Horizontal16(a, b, static (x, y) => Math.Clamp(x - y, short.MinValue, short.MaxValue));
            case Mnemonic.Phaddd: return (uint)((uint)a + (uint)(a >> 32)) | ((ulong)((uint)b + (uint)(b >> 32)) << 32);
            case Mnemonic.Phsubd: return (uint)((uint)a - (uint)(a >> 32)) | ((ulong)((uint)b - (uint)(b >> 32)) << 32);
            case Mnemonic.Pabsb: return Low(Vector128.Abs(vb.AsSByte()));
            case Mnemonic.Pabsw: return Low(Vector128.Abs(vb.AsInt16()));
            case Mnemonic.Pabsd: return Low(Vector128.Abs(vb.AsInt32()));
            case Mnemonic.Psignb: return Sign(va.AsSByte(), vb.AsSByte());
            case Mnemonic.Psignw: return Sign(va.AsInt16(), vb.AsInt16());
            default: // Psignd
                return Sign(va.AsInt32(), vb.AsInt32());
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Low<T>(Vector128<T> v) => v.AsUInt64().ToScalar();

    /// <summary>The low byte of each of eight 16-bit lanes, packed (PAVGB's widened sums narrowed back).</summary>
    private static ulong Low(Vector128<ushort> words, bool bytes) =>
        bytes ? Low(Vector128.Narrow(words, Vector128<ushort>.Zero)) : Low(words);

    /// <summary>PSIGNx: a's element negated where b's is negative, zeroed where b's is zero.</summary>
    private static ulong Sign<T>(Vector128<T> a, Vector128<T> b)
    {
        Vector128<T> negated = Vector128<T>.Zero - a;
        Vector128<T> r = Vector128.ConditionalSelect(Vector128.LessThan(b, Vector128<T>.Zero), negated, a);
        return Low(Vector128.AndNot(r, Vector128.Equals(b, Vector128<T>.Zero)));
    }

    /// <summary>PUNPCKLxx (<paramref name="from"/> 0) and PUNPCKHxx (32): the elements of the chosen half of
    /// a and b interleaved, a's first.</summary>
    private static ulong Unpack(ulong a, ulong b, int bits, int from)
    {
        ulong mask = bits == 32 ? 0xFFFF_FFFF : (1UL << bits) - 1;
        ulong r = 0;
        for (int k = 0; k < 32 / bits; k++)
        {
            r |= ((a >> (from + bits * k)) & mask) << (2 * bits * k);
            r |= ((b >> (from + bits * k)) & mask) << (2 * bits * k + bits);
        }
        return r;
    }

    /// <summary>Four word lanes through <paramref name="f"/> on the signed values.</summary>
    private static ulong PerWord(ulong a, ulong b, Func<int, int, ushort> f)
    {
        ulong r = 0;
        for (int k = 0; k < 4; k++)
        {
            r |= (ulong)f((short)(a >> (16 * k)), (short)(b >> (16 * k))) << (16 * k);
        }
        return r;
    }

    /// <summary>PHADDW/PHSUBW (and the saturating forms): pairs of adjacent words of a, then of b.</summary>
    private static ulong Horizontal16(ulong a, ulong b, Func<int, int, int> f)
    {
        ulong r = 0;
        for (int k = 0; k < 4; k++)
        {
            ulong src = k < 2 ? a : b;
            int j = 2 * (k & 1);
            r |= (ulong)(ushort)f((short)(src >> (16 * j)), (short)(src >> (16 * j + 16))) << (16 * k);
        }
        return r;
    }
}

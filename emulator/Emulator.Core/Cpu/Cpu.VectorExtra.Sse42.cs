using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Iced.Intel;

namespace Emulator.Core.Cpu;

public sealed partial class Cpu
{
    /// <summary>CRC-32C (Castagnoli) polynomial 0x1EDC6F41, bit-reflected, as CRC32 uses it.</summary>
    private const uint Crc32CReflected = 0x82F6_3B78;

    /// <summary>Byte-at-a-time CRC-32C table for hosts without SSE4.2.</summary>
    private static readonly uint[] s_crc32CTable = BuildCrc32CTable();

    private static uint[] BuildCrc32CTable()
    {
        var t = new uint[256];
        for (uint b = 0; b < 256; b++)
        {
            uint c = b;
            for (int k = 0; k < 8; k++)
            {
                c = (c >> 1) ^ ((c & 1) != 0 ? Crc32CReflected : 0);
            }
            t[b] = c;
        }
        return t;
    }

    /// <summary>True when SSE4.2 instructions (CRC32, PCMPxSTRx) exist at this level; they are #UD
    /// below v2, where CPUID does not report SSE4.2.</summary>
    private bool Sse42Enabled => _options.Level >= CpuLevel.V2;

    /// <summary>CRC32 r32, r/m8/16/32 and CRC32 r64, r/m8/64 (SDM Vol. 2A CRC32): the CRC-32C of the
    /// source bytes continued from DEST[31:0], with no pre- or post-inversion; the 32-bit result is
    /// zero-extended. Flags unchanged.</summary>
    private bool ExecCrc32(in Instruction i)
    {
        if (!Sse42Enabled)
        {
            return Exit(CpuExitKind.InvalidOpcode);
        }
        int size = i.Op1Kind == OpKind.Register ? RegSize(i.Op1Register) : s_memSize[(int)i.MemorySize];
        if (!ReadSource(i, i.Op1Kind, i.Op1Register, 1, size, out ulong data))
        {
            return false;
        }
        uint crc = (uint)GetReg(i.Op0Register);
        if (Sse42.X64.IsSupported)
        {
            crc = size switch
            {
                1 => Sse42.Crc32(crc, (byte)data),
                2 => Sse42.Crc32(crc, (ushort)data),
                4 => Sse42.Crc32(crc, (uint)data),
                _ => (uint)Sse42.X64.Crc32(crc, data),
            };
        }
        else
        {
            for (int k = 0; k < size; k++)
            {
                crc = (crc >> 8) ^ s_crc32CTable[(byte)(crc ^ (data >> (8 * k)))];
            }
        }
        SetReg(i.Op0Register, crc);
        return true;
    }

    /// <summary>
    /// PCMPESTRI, PCMPESTRM, PCMPISTRI, PCMPISTRM and their VEX.128 forms (SDM Vol. 2B §4.1, "Imm8
    /// Control Byte Operation for PCMPESTRI / PCMPESTRM / PCMPISTRI / PCMPISTRM"). The first operand
    /// is an XMM register, the second an XMM register or an m128 of any alignment.
    /// </summary>
    /// <remarks>
    /// Lengths: explicit forms take |EAX| and |EDX| (|RAX|, |RDX| with REX.W / VEX.W), saturated to the
    /// element count; implicit forms stop at the first zero element. Index forms write ECX (RCX
    /// zero-extended); mask forms write XMM0 (a VEX.128 form zeroes YMM0[255:128], legacy keeps it).
    /// Flags: CF = IntRes2 ≠ 0, ZF = second operand shorter than the element count, SF = first operand
    /// shorter, OF = IntRes2[0], AF = PF = 0. Imm8 bit 7 is ignored.
    /// </remarks>
    private bool ExecPcmpStr(in Instruction i)
    {
        if (!Sse42Enabled)
        {
            return Exit(CpuExitKind.InvalidOpcode);
        }
        if (!ReadXmmOperand(i, 1, out Vector128<byte> b, unaligned: true))
        {
            return false;
        }
        Vector128<byte> a = Xmm(i.Op0Register);
        int imm = i.Immediate8;
        bool words = (imm & 1) != 0;
        int n = words ? 8 : 16;
        Mnemonic m = i.Mnemonic;
        bool explicitLength = m is Mnemonic.Pcmpestri or Mnemonic.Pcmpestrm or Mnemonic.Pcmpestri64 or Mnemonic.Pcmpestrm64
            or Mnemonic.Vpcmpestri or Mnemonic.Vpcmpestrm or Mnemonic.Vpcmpestri64 or Mnemonic.Vpcmpestrm64;
        int la, lb;
        if (explicitLength)
        {
            bool wide = m is Mnemonic.Pcmpestri64 or Mnemonic.Pcmpestrm64 or Mnemonic.Vpcmpestri64 or Mnemonic.Vpcmpestrm64;
            la = ExplicitLength(wide ? (long)_r[0] : (int)_r[0], n);
            lb = ExplicitLength(wide ? (long)_r[2] : (int)_r[2], n);
        }
        else
        {
            la = ImplicitLength(a, words);
            lb = ImplicitLength(b, words);
        }
        uint res2 = PcmpStrResult(a, b, la, lb, imm);
        ulong flags = (res2 != 0 ? CF : 0) | (lb < n ? ZF : 0) | (la < n ? SF : 0) | ((res2 & 1) != 0 ? OF : 0);
        SetFlags(StatusFlags, flags);
        bool index = m is Mnemonic.Pcmpestri or Mnemonic.Pcmpistri or Mnemonic.Pcmpestri64
            or Mnemonic.Vpcmpestri or Mnemonic.Vpcmpistri or Mnemonic.Vpcmpestri64;
        if (index)
        {
            uint ecx = res2 == 0 ? (uint)n : (imm & 0x40) != 0 ? 31u - (uint)BitOperations.LeadingZeroCount(res2) : (uint)BitOperations.TrailingZeroCount(res2);
            _r[1] = ecx;
            return true;
        }
        Vector128<byte> mask = (imm & 0x40) == 0
            ? Vector128.CreateScalar(res2).AsByte()
            : ExpandMask(res2, words);
        if (IsVex(i))
        {
            SetXmmZeroUpper(Register.XMM0, mask);
        }
        else
        {
            Xmm(Register.XMM0) = mask;
        }
        return true;
    }

    private static int ExplicitLength(long v, int n)
    {
        // |v| saturated to n; long.MinValue has no positive counterpart but saturates all the same.
        ulong magnitude = v < 0 ? (ulong)(-(v + 1)) + 1 : (ulong)v;
        return magnitude > (ulong)n ? n : (int)magnitude;
    }

    private static int ImplicitLength(Vector128<byte> v, bool words)
    {
        uint zeros = words
            ? Vector128.Equals(v.AsUInt16(), Vector128<ushort>.Zero).ExtractMostSignificantBits()
            : Vector128.Equals(v, Vector128<byte>.Zero).ExtractMostSignificantBits();
        return zeros == 0 ? (words ? 8 : 16) : BitOperations.TrailingZeroCount(zeros);
    }

    /// <summary>The byte or word mask of PCMPxSTRM with imm8[6] = 1: element k all ones when bit k is set.</summary>
    private static Vector128<byte> ExpandMask(uint bits, bool words)
    {
        if (words)
        {
            Vector128<ushort> select = Vector128.Create((ushort)1, 2, 4, 8, 16, 32, 64, 128);
            return Vector128.Equals(Vector128.Create((ushort)bits) & select, select).AsByte();
        }
        Vector128<byte> lanes = Vector128.Create((byte)1, 2, 4, 8, 16, 32, 64, 128, 1, 2, 4, 8, 16, 32, 64, 128);
        // Bytes 0–7 test bits 0–7, bytes 8–15 bits 8–15.
        Vector128<byte> source = Vector128.Create(Vector64.Create((byte)bits), Vector64.Create((byte)(bits >> 8)));
        return Vector128.Equals(source & lanes, lanes);
    }

    /// <summary>IntRes2 of the imm8 control byte: the aggregation of imm8[3:2] over the elements of
    /// imm8[1:0], then the polarity of imm8[5:4]. Bit k stands for element k of the second operand.</summary>
    private static uint PcmpStrResult(Vector128<byte> a, Vector128<byte> b, int la, int lb, int imm)
    {
        int n = (imm & 1) != 0 ? 8 : 16;
        uint full = (1u << n) - 1;
        uint validB = (1u << lb) - 1;
        uint res1 = (imm & 3) switch
        {
            0 => Aggregate(a, b, la, lb, n, imm),
            1 => Aggregate(a.AsUInt16(), b.AsUInt16(), la, lb, n, imm),
            2 => Aggregate(a.AsSByte(), b.AsSByte(), la, lb, n, imm),
            _ => Aggregate(a.AsInt16(), b.AsInt16(), la, lb, n, imm),
        };
        return ((imm >> 4) & 3) switch
        {
            1 => ~res1 & full,
            3 => (res1 ^ validB) & full,
            _ => res1,
        };
    }

    /// <summary>IntRes1 for elements of type <typeparamref name="T"/> (SDM Vol. 2B §4.1.4 and Table 4-7:
    /// an invalid element compares false, except in equal each (both invalid: true) and equal ordered
    /// (an invalid first-operand element: true)).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint Aggregate<T>(Vector128<T> a, Vector128<T> b, int la, int lb, int n, int imm)
        where T : unmanaged
    {
        uint full = (1u << n) - 1;
        uint validB = (1u << lb) - 1;
        switch ((imm >> 2) & 3)
        {
            case 0:
            {
                // Equal any: element j of b equals some valid element of a.
                uint r = 0;
                for (int k = 0; k < la; k++)
                {
                    r |= Vector128.Equals(b, Vector128.Create(a.GetElement(k))).ExtractMostSignificantBits();
                }
                return r & validB;
            }
            case 1:
            {
                // Ranges: a holds [low, high] pairs; element j of b lies in one whose both ends are valid.
                uint r = 0;
                for (int k = 0; k + 1 < la; k += 2)
                {
                    uint ge = Vector128.GreaterThanOrEqual(b, Vector128.Create(a.GetElement(k))).ExtractMostSignificantBits();
                    uint le = Vector128.LessThanOrEqual(b, Vector128.Create(a.GetElement(k + 1))).ExtractMostSignificantBits();
                    r |= ge & le;
                }
                return r & validB;
            }
            case 2:
            {
                // Equal each: element j of a equals element j of b; two invalid elements match.
                uint validA = (1u << la) - 1;
                uint eq = Vector128.Equals(a, b).ExtractMostSignificantBits();
                return (eq & validA & validB) | (~validA & ~validB & full);
            }
            default:
            {
                // Equal ordered: the valid prefix of a occurs in b starting at element j; past the end
                // of a everything matches, past the end of b nothing does.
                uint r = full;
                for (int k = 0; k < la; k++)
                {
                    uint eq = Vector128.Equals(b, Vector128.Create(a.GetElement(k))).ExtractMostSignificantBits() & validB;
                    r &= (eq >> k) | (full & ~(full >> k));
                }
                return r;
            }
        }
    }
}

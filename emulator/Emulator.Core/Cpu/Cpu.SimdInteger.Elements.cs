using System.Runtime.Intrinsics;
using Emulator.Core.Memory;
using Iced.Intel;

namespace Emulator.Core.Cpu;

/// <summary>The forms that move single elements or element bits between vector and general-purpose
/// registers or memory: move masks, MASKMOVDQU, PEXTR*/EXTRACTPS, PINSR*, INSERTPS.</summary>
public sealed partial class Cpu
{
    /// <summary>PMOVMSKB (<paramref name="size"/> 1), MOVMSKPS (4), MOVMSKPD (8): the top bit of each
    /// element of an XMM or YMM register, zero-extended into a 32- or 64-bit register.</summary>
    private bool ExecMoveMask(in Instruction i, int size)
    {
        Register src = i.Op1Register;
        ulong bits;
        if (IsYmm(src))
        {
            Vector256<byte> v = Ymm(src);
            bits = size switch
            {
                1 => v.ExtractMostSignificantBits(),
                4 => v.AsUInt32().ExtractMostSignificantBits(),
                _ => v.AsUInt64().ExtractMostSignificantBits(),
            };
        }
        else
        {
            Vector128<byte> v = Xmm(src);
            bits = size switch
            {
                1 => v.ExtractMostSignificantBits(),
                4 => v.AsUInt32().ExtractMostSignificantBits(),
                _ => v.AsUInt64().ExtractMostSignificantBits(),
            };
        }
        SetReg(i.Op0Register, bits);
        return true;
    }

    /// <summary>MASKMOVDQU: each byte of the first register whose byte in the second (the mask) has
    /// its top bit set is stored at DS:rDI + k. Both pages are translated for writing first; only the
    /// selected bytes are written (another vCPU's stores to the others are not overwritten).</summary>
    private bool ExecMaskMove(in Instruction i)
    {
        ulong ea = i.Op0Kind == OpKind.MemorySegEDI ? (uint)_r[7] : _r[7];
        ea += i.SegmentPrefix switch
        {
            Register.FS => _state.FsBase,
            Register.GS => _state.GsBase,
            _ => 0,
        };
        Vector128<byte> data = Xmm(i.Op1Register);
        uint select = Xmm(i.Op2Register).ExtractMostSignificantBits();
        if (!TranslateMem(ea, 16, write: true, out MemRef m))
        {
            return false;
        }
        if (select == 0)
        {
            return true;
        }
        DropCodeIfCached(m.Pa0 >> Page.Shift);
        if (m.Split < 16)
        {
            DropCodeIfCached(m.Pa1 >> Page.Shift);
        }
        for (int k = 0; k < 16; k++)
        {
            if ((select & (1u << k)) != 0)
            {
                ulong pa = k < m.Split ? m.Pa0 + (ulong)k : m.Pa1 + (ulong)(k - m.Split);
                HostByte(pa) = data.GetElement(k);
            }
        }
        return true;
    }

    /// <summary>PEXTRB/PEXTRW/PEXTRD/PEXTRQ/EXTRACTPS: element imm8 (modulo the element count) of an
    /// XMM register to a general-purpose register (zero-extended) or memory.</summary>
    private bool ExecExtract(in Instruction i, int size)
    {
        Vector128<byte> s = Xmm(i.Op1Register);
        int k = i.Immediate8 & (16 / size - 1);
        ulong v = size switch
        {
            1 => s.GetElement(k),
            2 => s.AsUInt16().GetElement(k),
            4 => s.AsUInt32().GetElement(k),
            _ => s.AsUInt64().GetElement(k),
        };
        if (i.Op0Kind == OpKind.Register)
        {
            SetReg(i.Op0Register, v);
            return true;
        }
        return Write(Ea(i), size, v);
    }

    /// <summary>PINSRB/PINSRW/PINSRD/PINSRQ: the low bytes of a general-purpose register or memory
    /// into element imm8 (modulo the count); legacy merges into the destination, VEX into a copy of vvvv.</summary>
    private bool ExecInsert(in Instruction i, int size)
    {
        bool vex = IsVex(i);
        int srcOp = vex ? 2 : 1;
        ulong v;
        if (i.GetOpKind(srcOp) == OpKind.Register)
        {
            v = GetReg(i.GetOpRegister(srcOp));
        }
        else if (!Read(Ea(i), size, out v))
        {
            return false;
        }
        Vector128<byte> d = Xmm(vex ? i.Op1Register : i.Op0Register);
        int k = i.Immediate8 & (16 / size - 1);
        d = size switch
        {
            1 => d.WithElement(k, (byte)v),
            2 => d.AsUInt16().WithElement(k, (ushort)v).AsByte(),
            4 => d.AsUInt32().WithElement(k, (uint)v).AsByte(),
            _ => d.AsUInt64().WithElement(k, v).AsByte(),
        };
        WriteXmmResult(in i, d);
        return true;
    }

    /// <summary>INSERTPS: dword imm[7:6] of the source register (or the m32) into dword imm[5:4],
    /// then the dwords whose bit is set in imm[3:0] zeroed (SDM Vol. 2A INSERTPS).</summary>
    private bool ExecInsertPs(in Instruction i)
    {
        bool vex = IsVex(i);
        int srcOp = vex ? 2 : 1;
        int imm = i.Immediate8;
        uint v;
        if (i.GetOpKind(srcOp) == OpKind.Register)
        {
            v = Xmm(i.GetOpRegister(srcOp)).AsUInt32().GetElement((imm >> 6) & 3);
        }
        else if (Read(Ea(i), 4, out ulong m))
        {
            v = (uint)m;
        }
        else
        {
            return false;
        }
        Vector128<uint> d = Xmm(vex ? i.Op1Register : i.Op0Register).AsUInt32().WithElement((imm >> 4) & 3, v);
        Vector128<uint> bit = Vector128.Create(1u, 2u, 4u, 8u);
        d = Vector128.AndNot(d, Vector128.Equals(bit & Vector128.Create((uint)imm), bit));
        WriteXmmResult(in i, d.AsByte());
        return true;
    }
}

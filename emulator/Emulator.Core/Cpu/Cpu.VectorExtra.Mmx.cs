using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using Iced.Intel;

namespace Emulator.Core.Cpu;

public sealed partial class Cpu
{
    /// <summary>FSW.ES: an unmasked x87 exception is pending (SDM Vol. 1 §8.1.3).</summary>
    private const ushort FswErrorSummary = 0x80;

    /// <summary>True when an operand of <paramref name="i"/> is an MMX register: the instruction is one
    /// of this unit's MMX forms (or an MMX form of CVTPI2PS and the like, which belong to the SIMD-float unit).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool HasMmOperand(in Instruction i)
    {
        for (int k = 0; k < i.OpCount; k++)
        {
            if (i.GetOpKind(k) == OpKind.Register && i.GetOpRegister(k) is >= Register.MM0 and <= Register.MM7)
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>The MMX instructions (SDM Vol. 1 §9, Vol. 2 per instruction): MMX itself, the SSE/SSE2
    /// extensions on MM registers and the SSSE3 MM forms. False for anything else, the MMX forms of the
    /// conversions (CVTPI2PS, CVTPS2PI, ...) included, which the SIMD-float unit owns.</summary>
    /// <remarks>
    /// Every MMX instruction first raises #MF when an unmasked x87 exception is pending (FSW.ES), then
    /// reads its operands, then (once nothing can fault) makes the MMX transition (TOP = 0, all tags
    /// valid; <see cref="MmxTransition"/>) and writes its result; an MM write sets the register's
    /// sign/exponent to all ones (<see cref="WriteMm"/>). EMMS tags every register empty. The SSSE3
    /// forms are #UD below v2.
    /// </remarks>
    private bool TryExecMmx(in Instruction i, out bool ok)
    {
        Mnemonic m = i.Mnemonic;
        if (m != Mnemonic.Emms && !HasMmOperand(i))
        {
            ok = false;
            return false;
        }
        switch (m)
        {
            case Mnemonic.Emms:
                ok = ExecEmms();
                return true;
            case Mnemonic.Movd: case Mnemonic.Movq: case Mnemonic.Movntq:
                ok = ExecMmxMove(i);
                return true;
            case Mnemonic.Movq2dq: case Mnemonic.Movdq2q:
                ok = ExecMmxXmmMove(i);
                return true;
            case Mnemonic.Pextrw: case Mnemonic.Pmovmskb:
                ok = ExecMmxToGpr(i);
                return true;
            case Mnemonic.Pinsrw:
                ok = ExecMmxPinsrw(i);
                return true;
            case Mnemonic.Maskmovq:
                ok = ExecMaskmovq(i);
                return true;
            case Mnemonic.Pshufb: case Mnemonic.Palignr: case Mnemonic.Phaddw: case Mnemonic.Phaddd: case Mnemonic.Phaddsw:
            case Mnemonic.Phsubw: case Mnemonic.Phsubd: case Mnemonic.Phsubsw: case Mnemonic.Pabsb: case Mnemonic.Pabsw:
            case Mnemonic.Pabsd: case Mnemonic.Psignb: case Mnemonic.Psignw: case Mnemonic.Psignd: case Mnemonic.Pmulhrsw:
            case Mnemonic.Pmaddubsw:
                // SSSE3: CPUID reports it from v2 on.
                ok = _options.Level >= CpuLevel.V2 ? ExecMmxBinary(i) : Exit(CpuExitKind.InvalidOpcode);
                return true;
            case Mnemonic.Paddb: case Mnemonic.Paddw: case Mnemonic.Paddd: case Mnemonic.Paddq:
            case Mnemonic.Paddsb: case Mnemonic.Paddsw: case Mnemonic.Paddusb: case Mnemonic.Paddusw:
            case Mnemonic.Psubb: case Mnemonic.Psubw: case Mnemonic.Psubd: case Mnemonic.Psubq:
            case Mnemonic.Psubsb: case Mnemonic.Psubsw: case Mnemonic.Psubusb: case Mnemonic.Psubusw:
            case Mnemonic.Pmullw: case Mnemonic.Pmulhw: case Mnemonic.Pmulhuw: case Mnemonic.Pmaddwd: case Mnemonic.Pmuludq:
            case Mnemonic.Pand: case Mnemonic.Pandn: case Mnemonic.Por: case Mnemonic.Pxor:
            case Mnemonic.Pcmpeqb: case Mnemonic.Pcmpeqw: case Mnemonic.Pcmpeqd:
            case Mnemonic.Pcmpgtb: case Mnemonic.Pcmpgtw: case Mnemonic.Pcmpgtd:
            case Mnemonic.Psllw: case Mnemonic.Pslld: case Mnemonic.Psllq: case Mnemonic.Psrlw: case Mnemonic.Psrld:
            case Mnemonic.Psrlq: case Mnemonic.Psraw: case Mnemonic.Psrad:
            case Mnemonic.Packsswb: case Mnemonic.Packssdw: case Mnemonic.Packuswb:
            case Mnemonic.Punpcklbw: case Mnemonic.Punpcklwd: case Mnemonic.Punpckldq:
            case Mnemonic.Punpckhbw: case Mnemonic.Punpckhwd: case Mnemonic.Punpckhdq:
            case Mnemonic.Pshufw: case Mnemonic.Pavgb: case Mnemonic.Pavgw: case Mnemonic.Pmaxsw: case Mnemonic.Pmaxub:
            case Mnemonic.Pminsw: case Mnemonic.Pminub: case Mnemonic.Psadbw:
                ok = ExecMmxBinary(i);
                return true;
            default:
                ok = false;
                return false;
        }
    }

    /// <summary>#MF when an unmasked x87 exception is pending; MMX instructions check it first.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool MmxPendingX87Fault() => (_state.Fpu.StatusWord & FswErrorSummary) != 0;

    /// <summary>EMMS: every x87 tag empty (SDM Vol. 2A EMMS).</summary>
    private bool ExecEmms()
    {
        if (MmxPendingX87Fault())
        {
            return Exit(CpuExitKind.X87FloatingPoint);
        }
        _state.Fpu.TagWord = 0xFFFF;
        return true;
    }

    /// <summary>Reads MMX operand <paramref name="op"/>: an MM register or memory of the instruction's
    /// memory size (m64; m32 for PUNPCKL*).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool ReadMmOperand(in Instruction i, int op, out ulong v)
    {
        if (i.GetOpKind(op) == OpKind.Register)
        {
            v = Mm(i.GetOpRegister(op));
            return true;
        }
        return Read(Ea(i), s_memSize[(int)i.MemorySize], out v);
    }

    /// <summary>The two-operand MMX arithmetic, logic, compare, shift, pack, unpack and shuffle forms:
    /// mm = f(mm, mm/m64 [, imm8]); the shift-by-imm8 forms mm = f(mm, imm8).</summary>
    private bool ExecMmxBinary(in Instruction i)
    {
        if (MmxPendingX87Fault())
        {
            return Exit(CpuExitKind.X87FloatingPoint);
        }
        Register d = i.Op0Register;
        ulong b;
        byte imm = 0;
        if (i.Op1Kind == OpKind.Immediate8)
        {
            b = i.Immediate8;   // PSLLW mm, imm8 & co.: the count
        }
        else if (!ReadMmOperand(i, 1, out b))
        {
            return false;
        }
        if (i.OpCount == 3)
        {
            imm = i.Immediate8;
        }
        ulong r = MmxCompute(i.Mnemonic, Mm(d), b, imm);
        MmxTransition();
        WriteMm(d, r);
        return true;
    }

    /// <summary>MOVD/MOVQ between MM registers, general registers and memory, and MOVNTQ (the
    /// non-temporal hint has no effect here). MOVD to an MM register zero-extends; MOVD from one
    /// writes the low 32 bits (a 32-bit GPR write zero-extends).</summary>
    private bool ExecMmxMove(in Instruction i)
    {
        if (MmxPendingX87Fault())
        {
            return Exit(CpuExitKind.X87FloatingPoint);
        }
        if (i.Op0Kind == OpKind.Register && i.Op0Register is >= Register.MM0 and <= Register.MM7)
        {
            ulong v;
            if (i.Op1Kind == OpKind.Register && i.Op1Register is >= Register.MM0 and <= Register.MM7)
            {
                v = Mm(i.Op1Register);
            }
            else
            {
                int size = i.Mnemonic == Mnemonic.Movd ? 4 : 8;
                if (!ReadSource(i, i.Op1Kind, i.Op1Register, 1, size, out v))
                {
                    return false;
                }
            }
            MmxTransition();
            WriteMm(i.Op0Register, v);
            return true;
        }
        ulong value = Mm(i.Op1Register);
        if (i.Op0Kind == OpKind.Register)
        {
            MmxTransition();
            SetReg(i.Op0Register, value);   // a 32-bit register takes the low half, zero-extended
            return true;
        }
        int msize = i.Mnemonic == Mnemonic.Movd ? 4 : 8;
        if (!TranslateMem(Ea(i), msize, write: true, out MemRef mref))
        {
            return false;
        }
        MmxTransition();
        Store(mref, msize, value);
        return true;
    }

    /// <summary>MOVQ2DQ xmm, mm (XMM[63:0] = mm, XMM[127:64] = 0, bits 255:128 kept as for any legacy SSE
    /// write) and MOVDQ2Q mm, xmm (mm = XMM[63:0]).</summary>
    private bool ExecMmxXmmMove(in Instruction i)
    {
        if (MmxPendingX87Fault())
        {
            return Exit(CpuExitKind.X87FloatingPoint);
        }
        MmxTransition();
        if (i.Mnemonic == Mnemonic.Movq2dq)
        {
            Xmm(i.Op0Register) = Vector128.CreateScalar(Mm(i.Op1Register)).AsByte();
        }
        else
        {
            WriteMm(i.Op0Register, Xmm(i.Op1Register).AsUInt64().ToScalar());
        }
        return true;
    }

    /// <summary>PEXTRW r32/r64, mm, imm8 (word imm8[1:0], zero-extended) and PMOVMSKB r32/r64, mm (the
    /// eight byte sign bits, zero-extended).</summary>
    private bool ExecMmxToGpr(in Instruction i)
    {
        if (MmxPendingX87Fault())
        {
            return Exit(CpuExitKind.X87FloatingPoint);
        }
        ulong v = Mm(i.Op1Register);
        ulong r;
        if (i.Mnemonic == Mnemonic.Pextrw)
        {
            r = (v >> (16 * (i.Immediate8 & 3))) & 0xFFFF;
        }
        else
        {
            r = 0;
            for (int k = 0; k < 8; k++)
            {
                r |= ((v >> (8 * k + 7)) & 1) << k;
            }
        }
        MmxTransition();
        SetReg(i.Op0Register, r);
        return true;
    }

    /// <summary>PINSRW mm, r32/m16, imm8: word imm8[1:0] of mm = the low 16 bits of the source.</summary>
    private bool ExecMmxPinsrw(in Instruction i)
    {
        if (MmxPendingX87Fault())
        {
            return Exit(CpuExitKind.X87FloatingPoint);
        }
        if (!ReadSource(i, i.Op1Kind, i.Op1Register, 1, 2, out ulong w))
        {
            return false;
        }
        int shift = 16 * (i.Immediate8 & 3);
        ulong v = (Mm(i.Op0Register) & ~(0xFFFFUL << shift)) | ((w & 0xFFFF) << shift);
        MmxTransition();
        WriteMm(i.Op0Register, v);
        return true;
    }

    /// <summary>MASKMOVQ mm1, mm2: the bytes of mm1 whose mm2 byte has its sign bit set are stored at
    /// DS:RDI (EDI with 0x67; a segment prefix applies). Only those bytes are translated, each for
    /// writing, before any is stored: masked-off bytes never fault, and a fault stores nothing.</summary>
    private bool ExecMaskmovq(in Instruction i)
    {
        if (MmxPendingX87Fault())
        {
            return Exit(CpuExitKind.X87FloatingPoint);
        }
        ulong data = Mm(i.Op1Register), mask = Mm(i.Op2Register);
        ulong va = i.Op0Kind == OpKind.MemorySegEDI ? (uint)_r[7] : _r[7];
        va += i.SegmentPrefix switch
        {
            Register.FS => _state.FsBase,
            Register.GS => _state.GsBase,
            _ => 0,
        };
        MemRefs8 refBuffer = default;
        Span<MemRef> refs = refBuffer;
        for (int k = 0; k < 8; k++)
        {
            if (((mask >> (8 * k + 7)) & 1) != 0 && !TranslateMem(va + (ulong)k, 1, write: true, out refs[k]))
            {
                return false;
            }
        }
        MmxTransition();
        for (int k = 0; k < 8; k++)
        {
            if (((mask >> (8 * k + 7)) & 1) != 0)
            {
                Store(refs[k], 1, data >> (8 * k));
            }
        }
        return true;
    }
}

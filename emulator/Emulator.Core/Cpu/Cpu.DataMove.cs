using System.Buffers.Binary;
using Iced.Intel;

namespace Emulator.Core.Cpu;

public sealed partial class Cpu
{
    /// <summary>MOV between general-purpose registers, memory and immediates (including the moffs
    /// forms). Segment, control and debug registers are not general-purpose: #UD (segment) or #GP
    /// (control/debug, privileged).</summary>
    private bool ExecMov(in Instruction i)
    {
        if (i.Op0Kind == OpKind.Register)
        {
            Register d = i.Op0Register;
            int size = RegSize(d);
            if (size == 0 || (i.Op1Kind == OpKind.Register && RegSize(i.Op1Register) == 0))
            {
                return NonGprMove(i);
            }
            if (!ReadSource(i, i.Op1Kind, i.Op1Register, 1, size, out ulong v))
            {
                return false;
            }
            SetReg(d, v);
            return true;
        }
        int msize = s_memSize[(int)i.MemorySize];
        if (i.Op1Kind == OpKind.Register && RegSize(i.Op1Register) == 0)
        {
            return NonGprMove(i);
        }
        ulong value = i.Op1Kind == OpKind.Register ? GetReg(i.Op1Register) : i.GetImmediate(1) & Mask(msize);
        return Write(Ea(i), msize, value);
    }

    private bool NonGprMove(in Instruction i)
    {
        Register r = i.Op0Kind == OpKind.Register && RegSize(i.Op0Register) == 0 ? i.Op0Register : i.Op1Register;
        return Exit(r.IsCR() || r.IsDR() || r.IsTR() ? CpuExitKind.GeneralProtection : CpuExitKind.InvalidOpcode);
    }

    /// <summary>MOVZX, MOVSX, MOVSXD (and MOVSXD r32, r/m32, a plain 32-bit move).</summary>
    private bool ExecMovExtend(in Instruction i)
    {
        int srcSize = i.Op1Kind == OpKind.Register ? RegSize(i.Op1Register) : s_memSize[(int)i.MemorySize];
        if (!ReadSource(i, i.Op1Kind, i.Op1Register, 1, srcSize, out ulong v))
        {
            return false;
        }
        if (i.Mnemonic != Mnemonic.Movzx)
        {
            v = (ulong)SignExtend(v, srcSize * 8);
        }
        SetReg(i.Op0Register, v);
        return true;
    }

    /// <summary>LEA: the offset only (no segment base, no memory access), truncated to the operand size.</summary>
    private bool ExecLea(in Instruction i)
    {
        ulong ea = i.MemoryDisplacement64 + _r[s_regSlot[(int)i.MemoryBase]] + _r[s_regSlot[(int)i.MemoryIndex]] * (uint)i.MemoryIndexScale;
        if (RegSize(i.MemoryBase) == 4 || RegSize(i.MemoryIndex) == 4 || i.MemoryBase == Register.EIP)
        {
            ea = (uint)ea;
        }
        SetReg(i.Op0Register, ea);
        return true;
    }

    /// <summary>XCHG r, r/m (the memory form is a locked read-modify-write; one vCPU makes that trivial).</summary>
    private bool ExecXchg(in Instruction i)
    {
        int size = Op0Size(i);
        if (!LoadDest(i, write: true, size, out ulong a, out MemRef m))
        {
            return false;
        }
        ulong b = GetReg(i.Op1Register);
        if (i.Op0Kind == OpKind.Register)
        {
            SetReg(i.Op1Register, a);
            SetReg(i.Op0Register, b);
            return true;
        }
        Store(m, size, b);
        SetReg(i.Op1Register, a);
        return true;
    }

    /// <summary>CMOVcc: the source is always read (a memory source faults even when the condition is
    /// false) and a 32-bit destination is zero-extended even when nothing moves (SDM Vol. 2A CMOVcc).</summary>
    private bool ExecCmov(in Instruction i)
    {
        Register d = i.Op0Register;
        int size = RegSize(d);
        if (!ReadSource(i, i.Op1Kind, i.Op1Register, 1, size, out ulong v))
        {
            return false;
        }
        SetReg(d, Condition(i.ConditionCode) ? v : GetReg(d));
        return true;
    }

    /// <summary>SETcc r/m8.</summary>
    private bool ExecSetcc(in Instruction i)
    {
        ulong v = Condition(i.ConditionCode) ? 1UL : 0;
        if (i.Op0Kind == OpKind.Register)
        {
            SetReg(i.Op0Register, v);
            return true;
        }
        return Write(Ea(i), 1, v);
    }

    /// <summary>PUSH r/m, r, imm (64-bit by default, 16-bit with 0x66). The store is translated before
    /// RSP changes.</summary>
    private bool ExecPush(in Instruction i)
    {
        int size = i.Op0Kind switch
        {
            OpKind.Register => RegSize(i.Op0Register),
            OpKind.Memory => s_memSize[(int)i.MemorySize],
            _ => i.Code is Code.Push_imm16 or Code.Pushw_imm8 ? 2 : 8,
        };
        if (size == 0)
        {
            return Exit(CpuExitKind.InvalidOpcode); // push fs / push gs: segment registers not modelled
        }
        if (!ReadSource(i, i.Op0Kind, i.Op0Register, 0, size, out ulong v))
        {
            return false;
        }
        ulong rsp = _r[4] - (ulong)size;
        if (!Write(rsp, size, v))
        {
            return false;
        }
        _r[4] = rsp;
        return true;
    }

    /// <summary>POP r/m. For a memory destination the address is computed with RSP already
    /// incremented (SDM Vol. 2B POP), and both accesses are translated before anything changes.</summary>
    private bool ExecPop(in Instruction i)
    {
        int size = Op0Size(i);
        if (size == 0)
        {
            return Exit(CpuExitKind.InvalidOpcode);
        }
        ulong rsp = _r[4];
        if (!TranslateMem(rsp, size, write: false, out MemRef src))
        {
            return false;
        }
        ulong v = Load(src, size);
        if (i.Op0Kind == OpKind.Register)
        {
            _r[4] = rsp + (ulong)size;
            SetReg(i.Op0Register, v);   // pop rsp: the loaded value wins
            return true;
        }
        _r[4] = rsp + (ulong)size;
        ulong ea = Ea(i);
        _r[4] = rsp;
        if (!TranslateMem(ea, size, write: true, out MemRef dst))
        {
            return false;
        }
        Store(dst, size, v);
        _r[4] = rsp + (ulong)size;
        return true;
    }

    /// <summary>LEAVE: RSP = RBP, then pop RBP (the load is done before either register changes).</summary>
    private bool ExecLeave(in Instruction i)
    {
        int size = i.Code == Code.Leavew ? 2 : 8;
        ulong rbp = _r[5];
        if (!Read(rbp, size, out ulong v))
        {
            return false;
        }
        _r[4] = rbp + (ulong)size;
        SetReg(size == 2 ? Register.BP : Register.RBP, v);
        return true;
    }

    /// <summary>ENTER imm16, 0 (SDM Vol. 2A): push RBP, RBP = RSP, RSP −= imm16; the push is
    /// translated before either register changes. A non-zero nesting level (the level mod 32; gcc
    /// never emits one) and the 16-bit form are #UD here.</summary>
    private bool ExecEnter(in Instruction i)
    {
        if (i.Code != Code.Enterq_imm16_imm8 || (i.Immediate8_2nd & 31) != 0)
        {
            return Exit(CpuExitKind.InvalidOpcode);
        }
        ulong rsp = _r[4] - 8;
        if (!Write(rsp, 8, _r[5]))
        {
            return false;
        }
        _r[5] = rsp;
        _r[4] = rsp - i.Immediate16;
        return true;
    }

    /// <summary>XLATB: AL = the byte at RBX + AL zero-extended (EBX + AL with 0x67), plus the FS/GS
    /// base for those prefixes.</summary>
    private bool ExecXlat(in Instruction i)
    {
        ulong ea = _r[3] + (_r[0] & 0xFF);
        if (i.MemoryBase == Register.EBX)
        {
            ea = (uint)ea;
        }
        ea += i.SegmentPrefix switch
        {
            Register.FS => _state.FsBase,
            Register.GS => _state.GsBase,
            _ => 0,
        };
        if (!Read(ea, 1, out ulong v))
        {
            return false;
        }
        SetReg(Register.AL, v);
        return true;
    }

    /// <summary>MOVBE r, m and MOVBE m, r (SDM Vol. 2B): a load or store with the bytes reversed. A
    /// 16-bit register load keeps bits 16..63.</summary>
    private bool ExecMovbe(in Instruction i)
    {
        if (_options.Level < CpuLevel.V3)
        {
            // MOVBE is CPUID.01H:ECX.MOVBE, reported from x86-64-v3 on.
            return Exit(CpuExitKind.InvalidOpcode);
        }
        if (i.Op0Kind == OpKind.Register)
        {
            int size = RegSize(i.Op0Register);
            if (!Read(Ea(i), size, out ulong v))
            {
                return false;
            }
            SetReg(i.Op0Register, ReverseBytes(v, size));
            return true;
        }
        int msize = RegSize(i.Op1Register);
        return Write(Ea(i), msize, ReverseBytes(GetReg(i.Op1Register), msize));
    }

    private static ulong ReverseBytes(ulong v, int size) => size switch
    {
        2 => BinaryPrimitives.ReverseEndianness((ushort)v),
        4 => BinaryPrimitives.ReverseEndianness((uint)v),
        _ => BinaryPrimitives.ReverseEndianness(v),
    };

    /// <summary>BSWAP r32/r64. BSWAP r16 is undefined; this CPU clears the low 16 bits, as Intel
    /// processors do.</summary>
    private bool ExecBswap(in Instruction i)
    {
        Register d = i.Op0Register;
        ulong v = GetReg(d);
        SetReg(d, RegSize(d) switch
        {
            8 => BinaryPrimitives.ReverseEndianness(v),
            4 => BinaryPrimitives.ReverseEndianness((uint)v),
            _ => 0,
        });
        return true;
    }

    /// <summary>CBW/CWDE/CDQE (sign-extend the accumulator in place) and CWD/CDQ/CQO (into DX/EDX/RDX).</summary>
    private bool ExecConvert(in Instruction i)
    {
        ulong rax = _r[0];
        switch (i.Mnemonic)
        {
            case Mnemonic.Cbw: SetReg(Register.AX, (ulong)(long)(sbyte)rax); break;
            case Mnemonic.Cwde: _r[0] = (uint)(int)(short)rax; break;
            case Mnemonic.Cdqe: _r[0] = (ulong)(long)(int)rax; break;
            case Mnemonic.Cwd: SetReg(Register.DX, (short)rax < 0 ? 0xFFFFUL : 0); break;
            case Mnemonic.Cdq: _r[2] = (int)rax < 0 ? 0xFFFF_FFFFUL : 0; break;
            default: _r[2] = (long)rax < 0 ? ulong.MaxValue : 0; break; // Cqo
        }
        return true;
    }

    /// <summary>CLC, STC, CMC, CLD, STD.</summary>
    private bool ExecFlagOp(in Instruction i)
    {
        ulong f = Flags;
        Flags = i.Mnemonic switch
        {
            Mnemonic.Clc => f & ~CF,
            Mnemonic.Stc => f | CF,
            Mnemonic.Cmc => f ^ CF,
            Mnemonic.Cld => f & ~DF,
            _ => f | DF,
        };
        return true;
    }
}

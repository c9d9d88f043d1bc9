using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Iced.Intel;

namespace Emulator.Core.Cpu;

public sealed partial class Cpu
{
    // Tier 0's compact pre-decoded operations (DecodedOp.cs): made once per decoded instruction,
    // executed by ExecuteOp without reading Iced's accessors. Each fast handler mirrors the reference
    // handler of Cpu.Execute for the forms PreDecode gives it (the comments name which), and
    // TranslatorDifferentialTests compares the two on random programs.

    /// <summary>The operation of <see cref="_scratch"/> (always <see cref="Tier0Op.Generic"/>).</summary>
    private DecodedOp _scratchOp = new() { Index = -1 };

    /// <summary>The operation that runs <paramref name="i"/> (at <paramref name="index"/> of its page,
    /// −1 for the scratch instruction) through the reference handlers.</summary>
    internal static DecodedOp GenericOp(in Instruction i, int index) => new()
    {
        Index = index,
        Length = (byte)i.Length,
        Flags = i.FlowControl == FlowControl.Next ? OpFlags.None : OpFlags.Branch,
    };

    /// <summary>The compact form of <paramref name="i"/>, stored at <paramref name="index"/> of its page.</summary>
    internal static DecodedOp PreDecode(in Instruction i, int index)
    {
        DecodedOp op = GenericOp(in i, index);
        op.Dst = ZeroSlot;
        op.Src = ZeroSlot;
        op.Base = ZeroSlot;
        op.IndexReg = ZeroSlot;
        if (i.HasLockPrefix)
        {
            return op; // Generic: locked forms are the atomic handlers' business
        }
        op.Handler = Classify(in i, ref op);
        return op;
    }

    /// <summary>Picks the fast handler for <paramref name="i"/> and fills <paramref name="op"/>'s
    /// operands; <see cref="Tier0Op.Generic"/> when there is none.</summary>
    private static Tier0Op Classify(in Instruction i, ref DecodedOp op)
    {
        switch (i.Mnemonic)
        {
            case Mnemonic.Nop: case Mnemonic.Endbr64: case Mnemonic.Pause: case Mnemonic.Reservednop:
                return Tier0Op.Nop;
            case Mnemonic.Mov:
                // ExecMov: GPR operands only (control, debug and segment registers go to the reference).
                return TwoOperand(in i, ref op, Tier0Op.MovRR);
            case Mnemonic.Add: case Mnemonic.Or: case Mnemonic.Adc: case Mnemonic.Sbb: case Mnemonic.And:
            case Mnemonic.Sub: case Mnemonic.Xor: case Mnemonic.Cmp: case Mnemonic.Test:
                // ExecAlu.
                op.Sub = (byte)AluOpOf(i.Mnemonic);
                return TwoOperand(in i, ref op, Tier0Op.AluRR);
            case Mnemonic.Lea:
                // ExecLea: the offset only (Memory's segment flags are ignored).
                if (!Dest(in i, ref op) || !MemoryOperand(in i, ref op))
                {
                    return Tier0Op.Generic;
                }
                op.Size = s_regSize[(int)i.Op0Register];
                return Tier0Op.Lea;
            case Mnemonic.Movzx: case Mnemonic.Movsx: case Mnemonic.Movsxd:
            {
                // ExecMovExtend: Sub is the source size.
                if (!Dest(in i, ref op))
                {
                    return Tier0Op.Generic;
                }
                bool zero = i.Mnemonic == Mnemonic.Movzx;
                if (i.Op1Kind == OpKind.Register)
                {
                    if (!GprOperand(i.Op1Register, out op.Src, out op.SrcShift, out int size))
                    {
                        return Tier0Op.Generic;
                    }
                    op.Sub = (byte)size;
                    return zero ? Tier0Op.MovzxRR : Tier0Op.MovsxRR;
                }
                if (i.Op1Kind != OpKind.Memory || !MemoryOperand(in i, ref op))
                {
                    return Tier0Op.Generic;
                }
                op.Sub = s_memSize[(int)i.MemorySize];
                op.Size = s_regSize[(int)i.Op0Register];
                return zero ? Tier0Op.MovzxRM : Tier0Op.MovsxRM;
            }
            case Mnemonic.Cmovo: case Mnemonic.Cmovno: case Mnemonic.Cmovb: case Mnemonic.Cmovae:
            case Mnemonic.Cmove: case Mnemonic.Cmovne: case Mnemonic.Cmovbe: case Mnemonic.Cmova:
            case Mnemonic.Cmovs: case Mnemonic.Cmovns: case Mnemonic.Cmovp: case Mnemonic.Cmovnp:
            case Mnemonic.Cmovl: case Mnemonic.Cmovge: case Mnemonic.Cmovle: case Mnemonic.Cmovg:
                // ExecCmov: the destination is written (zero-extended at 32 bits) either way.
                op.Sub = (byte)i.ConditionCode;
                if (!Dest(in i, ref op))
                {
                    return Tier0Op.Generic;
                }
                return Source(in i, ref op, op.Size, Tier0Op.CmovRR, Tier0Op.CmovRM, Tier0Op.Generic);
            case Mnemonic.Seto: case Mnemonic.Setno: case Mnemonic.Setb: case Mnemonic.Setae:
            case Mnemonic.Sete: case Mnemonic.Setne: case Mnemonic.Setbe: case Mnemonic.Seta:
            case Mnemonic.Sets: case Mnemonic.Setns: case Mnemonic.Setp: case Mnemonic.Setnp:
            case Mnemonic.Setl: case Mnemonic.Setge: case Mnemonic.Setle: case Mnemonic.Setg:
                // ExecSetcc, register form.
                op.Sub = (byte)i.ConditionCode;
                return i.Op0Kind == OpKind.Register && Dest(in i, ref op) ? Tier0Op.SetccR : Tier0Op.Generic;
            case Mnemonic.Not: case Mnemonic.Neg: case Mnemonic.Inc: case Mnemonic.Dec:
                // ExecUnary, register form.
                op.Sub = (byte)UnaryOpOf(i.Mnemonic);
                return i.Op0Kind == OpKind.Register && Dest(in i, ref op) ? Tier0Op.UnaryR : Tier0Op.Generic;
            case Mnemonic.Shl: case Mnemonic.Sal: case Mnemonic.Shr: case Mnemonic.Sar: case Mnemonic.Rol: case Mnemonic.Ror:
                // ExecShift, register destination, by an immediate (masked here) or CL.
                op.Sub = (byte)ShiftKindOf(i.Mnemonic);
                if (i.Op0Kind != OpKind.Register || !Dest(in i, ref op))
                {
                    return Tier0Op.Generic;
                }
                if (i.Op1Kind == OpKind.Register)
                {
                    return i.Op1Register == Register.CL ? Tier0Op.ShiftRC : Tier0Op.Generic;
                }
                op.Imm = i.GetImmediate(1) & (op.Size == 8 ? 0x3FUL : 0x1FUL);
                return Tier0Op.ShiftRI;
            case Mnemonic.Jo: case Mnemonic.Jno: case Mnemonic.Jb: case Mnemonic.Jae:
            case Mnemonic.Je: case Mnemonic.Jne: case Mnemonic.Jbe: case Mnemonic.Ja:
            case Mnemonic.Js: case Mnemonic.Jns: case Mnemonic.Jp: case Mnemonic.Jnp:
            case Mnemonic.Jl: case Mnemonic.Jge: case Mnemonic.Jle: case Mnemonic.Jg:
                // ExecJcc.
                op.Sub = (byte)i.ConditionCode;
                op.Imm = i.NearBranch64;
                return i.Op0Kind == OpKind.NearBranch64 ? Tier0Op.Jcc : Tier0Op.Generic;
            case Mnemonic.Jmp:
                // ExecJmp, relative form.
                op.Imm = i.NearBranch64;
                return i.Op0Kind == OpKind.NearBranch64 ? Tier0Op.Jmp : Tier0Op.Generic;
            case Mnemonic.Call:
                // ExecCall, relative form.
                op.Imm = i.NearBranch64;
                return i.Op0Kind == OpKind.NearBranch64 ? Tier0Op.Call : Tier0Op.Generic;
            case Mnemonic.Ret:
                // ExecRet, near 64-bit forms.
                if (i.Code is not (Code.Retnq or Code.Retnq_imm16))
                {
                    return Tier0Op.Generic;
                }
                op.Imm = i.Code == Code.Retnq_imm16 ? i.Immediate16 : 0UL;
                return Tier0Op.Ret;
            case Mnemonic.Push:
                // ExecPush, 64-bit register form.
                if (i.Code != Code.Push_r64)
                {
                    return Tier0Op.Generic;
                }
                op.Src = s_regSlot[(int)i.Op0Register];
                return Tier0Op.PushR;
            case Mnemonic.Pop:
                // ExecPop, 64-bit register form.
                if (i.Code != Code.Pop_r64)
                {
                    return Tier0Op.Generic;
                }
                op.Dst = s_regSlot[(int)i.Op0Register];
                return Tier0Op.PopR;
            default:
                return Tier0Op.Generic;
        }
    }

    /// <summary>A two-operand form (r, r/m/imm or m, r/imm): <paramref name="rr"/> is its r, r
    /// handler, followed in <see cref="Tier0Op"/> by the r, imm; r, m; m, r and m, imm ones.</summary>
    private static Tier0Op TwoOperand(in Instruction i, ref DecodedOp op, Tier0Op rr)
    {
        if (i.Op0Kind == OpKind.Register)
        {
            return Dest(in i, ref op) ? Source(in i, ref op, op.Size, rr, rr + 2, rr + 1) : Tier0Op.Generic;
        }
        if (i.Op0Kind != OpKind.Memory || !MemoryOperand(in i, ref op))
        {
            return Tier0Op.Generic;
        }
        return Source(in i, ref op, op.Size, rr + 3, Tier0Op.Generic, rr + 4);
    }

    private static AluOp AluOpOf(Mnemonic m) => m switch
    {
        Mnemonic.Add => AluOp.Add,
        Mnemonic.Or => AluOp.Or,
        Mnemonic.Adc => AluOp.Adc,
        Mnemonic.Sbb => AluOp.Sbb,
        Mnemonic.And => AluOp.And,
        Mnemonic.Sub => AluOp.Sub,
        Mnemonic.Xor => AluOp.Xor,
        Mnemonic.Cmp => AluOp.Cmp,
        _ => AluOp.Test,
    };

    /// <summary>A general-purpose register's slot, bit position and size; false for any other register.</summary>
    private static bool GprOperand(Register r, out byte slot, out byte shift, out int size)
    {
        slot = s_regSlot[(int)r];
        shift = s_regShift[(int)r];
        size = s_regSize[(int)r];
        return size != 0;
    }

    /// <summary>Operand 0 as a general-purpose register destination (sets the operand size).</summary>
    private static bool Dest(in Instruction i, ref DecodedOp op)
    {
        if (!GprOperand(i.Op0Register, out op.Dst, out op.DstShift, out int size))
        {
            return false;
        }
        op.Size = (byte)size;
        return true;
    }

    /// <summary>Operand 0 or 1 (whichever is memory) as a memory operand (sets the operand size to
    /// the memory size). False for shapes the fast handlers do not take (a vector index).</summary>
    private static bool MemoryOperand(in Instruction i, ref DecodedOp op)
    {
        Register b = i.MemoryBase;
        Register x = i.MemoryIndex;
        if ((x != Register.None && s_regSize[(int)x] == 0)
            || (b != Register.None && b != Register.RIP && b != Register.EIP && s_regSize[(int)b] == 0))
        {
            return false;
        }
        op.Base = s_regSlot[(int)b];
        op.IndexReg = s_regSlot[(int)x];
        op.Scale = (byte)System.Numerics.BitOperations.Log2((uint)i.MemoryIndexScale);
        op.Disp = i.MemoryDisplacement64;
        if (s_regSize[(int)b] == 4 || s_regSize[(int)x] == 4 || b == Register.EIP)
        {
            op.Flags |= OpFlags.Address32;
        }
        op.Flags |= i.SegmentPrefix switch
        {
            Register.FS => OpFlags.Fs,
            Register.GS => OpFlags.Gs,
            _ => OpFlags.None,
        };
        op.Size = s_memSize[(int)i.MemorySize];
        return true;
    }

    /// <summary>Operand 1 as the source: a general-purpose register (<paramref name="register"/>),
    /// memory (<paramref name="memory"/>, when operand 0 is a register) or an immediate truncated to
    /// <paramref name="size"/> (<paramref name="immediate"/>).</summary>
    private static Tier0Op Source(in Instruction i, ref DecodedOp op, int size, Tier0Op register, Tier0Op memory, Tier0Op immediate)
    {
        switch (i.Op1Kind)
        {
            case OpKind.Register:
                return GprOperand(i.Op1Register, out op.Src, out op.SrcShift, out _) ? register : Tier0Op.Generic;
            case OpKind.Memory:
                if (memory == Tier0Op.Generic || !MemoryOperand(in i, ref op))
                {
                    return Tier0Op.Generic;
                }
                op.Size = (byte)size;
                return memory;
            case OpKind.Immediate8:
            case OpKind.Immediate16:
            case OpKind.Immediate32:
            case OpKind.Immediate64:
            case OpKind.Immediate8to16:
            case OpKind.Immediate8to32:
            case OpKind.Immediate8to64:
            case OpKind.Immediate32to64:
                op.Imm = i.GetImmediate(1) & Mask(size);
                return immediate;
            default:
                return Tier0Op.Generic;
        }
    }

    /// <summary>The reference form of <paramref name="op"/>, an operation <see cref="Fetch"/> returned
    /// (the scratch one, or one of the current code page's; executing one instruction does not change
    /// the current page).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private ref Instruction InstructionOf(in DecodedOp op) =>
        ref op.Index < 0 ? ref _scratch : ref _codePage!.Instructions[op.Index];

    /// <summary>Reads register-file slot <paramref name="slot"/> at <paramref name="size"/> bytes from
    /// bit <paramref name="shift"/> (8 for AH..BH), zero-extended.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private ulong GetSlot(int slot, int shift, int size) =>
        (Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(_r), slot) >> shift) & Mask(size);

    /// <summary>Writes register-file slot <paramref name="slot"/> at <paramref name="size"/> bytes: a
    /// 32-bit write zero-extends to 64 bits, 8- and 16-bit writes keep the other bits.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void SetSlot(int slot, int shift, int size, ulong value)
    {
        ref ulong r = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(_r), slot);
        if (size == 8)
        {
            r = value;
        }
        else if (size == 4)
        {
            r = (uint)value;
        }
        else
        {
            ulong mask = Mask(size) << shift;
            r = (r & ~mask) | ((value << shift) & mask);
        }
    }

    /// <summary>The effective address of <paramref name="op"/>'s memory operand, as <see cref="Ea"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private ulong OpEa(in DecodedOp op)
    {
        ref ulong regs = ref MemoryMarshal.GetArrayDataReference(_r);
        ulong ea = op.Disp + Unsafe.Add(ref regs, op.Base) + (Unsafe.Add(ref regs, op.IndexReg) << op.Scale);
        return (op.Flags & OpFlags.AddressAdjust) == 0 ? ea : AdjustEa(ea, op.Flags);
    }

    private ulong AdjustEa(ulong ea, OpFlags flags)
    {
        if ((flags & OpFlags.Address32) != 0)
        {
            ea = (uint)ea;
        }
        if ((flags & OpFlags.Fs) != 0)
        {
            ea += _state.FsBase;
        }
        else if ((flags & OpFlags.Gs) != 0)
        {
            ea += _state.GsBase;
        }
        return ea;
    }

    /// <summary>A condition on the flags, reading ZF and SF straight from a lazy record (every kind
    /// computes them from its truncated result) and materialising for the others.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool ConditionOp(int cc)
    {
        if (_lazyKind != FlagKind.None)
        {
            switch ((ConditionCode)cc)
            {
                case ConditionCode.e: return _lazyR == 0;
                case ConditionCode.ne: return _lazyR != 0;
                case ConditionCode.s: return (_lazyR & SignBit(_lazySize)) != 0;
                case ConditionCode.ns: return (_lazyR & SignBit(_lazySize)) == 0;
            }
        }
        return Condition((ConditionCode)cc);
    }

    /// <summary>Executes <paramref name="op"/> with RIP already advanced, as <see cref="Execute"/>
    /// would its instruction.</summary>
    /// <returns>true to continue; false when the instruction exits (the exit fields are set).</returns>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private bool ExecuteOp(in DecodedOp op)
    {
        int size = op.Size;
        switch (op.Handler)
        {
            case Tier0Op.Nop:
                return true;
            case Tier0Op.MovRR:
                SetSlot(op.Dst, op.DstShift, size, GetSlot(op.Src, op.SrcShift, size));
                return true;
            case Tier0Op.MovRI:
                SetSlot(op.Dst, op.DstShift, size, op.Imm);
                return true;
            case Tier0Op.MovRM:
            {
                if (!Read(OpEa(op), size, out ulong v))
                {
                    return false;
                }
                SetSlot(op.Dst, op.DstShift, size, v);
                return true;
            }
            case Tier0Op.MovMR:
                return Write(OpEa(op), size, GetSlot(op.Src, op.SrcShift, size));
            case Tier0Op.MovMI:
                return Write(OpEa(op), size, op.Imm);
            case Tier0Op.AluRR:
                return AluReg(op, GetSlot(op.Src, op.SrcShift, size));
            case Tier0Op.AluRI:
                return AluReg(op, op.Imm);
            case Tier0Op.AluRM:
            {
                if (!Read(OpEa(op), size, out ulong b))
                {
                    return false;
                }
                return AluReg(op, b);
            }
            case Tier0Op.AluMR:
                return AluMem(op, GetSlot(op.Src, op.SrcShift, size));
            case Tier0Op.AluMI:
                return AluMem(op, op.Imm);
            case Tier0Op.Lea:
            {
                ref ulong regs = ref MemoryMarshal.GetArrayDataReference(_r);
                ulong ea = op.Disp + Unsafe.Add(ref regs, op.Base) + (Unsafe.Add(ref regs, op.IndexReg) << op.Scale);
                SetSlot(op.Dst, op.DstShift, size, (op.Flags & OpFlags.Address32) != 0 ? (uint)ea : ea);
                return true;
            }
            case Tier0Op.MovzxRR:
                SetSlot(op.Dst, op.DstShift, size, GetSlot(op.Src, op.SrcShift, op.Sub));
                return true;
            case Tier0Op.MovsxRR:
                SetSlot(op.Dst, op.DstShift, size, (ulong)SignExtend(GetSlot(op.Src, op.SrcShift, op.Sub), op.Sub * 8));
                return true;
            case Tier0Op.MovzxRM:
            case Tier0Op.MovsxRM:
            {
                if (!Read(OpEa(op), op.Sub, out ulong v))
                {
                    return false;
                }
                SetSlot(op.Dst, op.DstShift, size, op.Handler == Tier0Op.MovzxRM ? v : (ulong)SignExtend(v, op.Sub * 8));
                return true;
            }
            case Tier0Op.CmovRR:
                SetSlot(op.Dst, op.DstShift, size,
                    ConditionOp(op.Sub) ? GetSlot(op.Src, op.SrcShift, size) : GetSlot(op.Dst, op.DstShift, size));
                return true;
            case Tier0Op.CmovRM:
            {
                if (!Read(OpEa(op), size, out ulong v))
                {
                    return false;
                }
                SetSlot(op.Dst, op.DstShift, size, ConditionOp(op.Sub) ? v : GetSlot(op.Dst, op.DstShift, size));
                return true;
            }
            case Tier0Op.SetccR:
                SetSlot(op.Dst, op.DstShift, size, ConditionOp(op.Sub) ? 1UL : 0);
                return true;
            case Tier0Op.UnaryR:
                UnaryReg(op);
                return true;
            case Tier0Op.ShiftRI:
                ShiftReg(op, (int)op.Imm);
                return true;
            case Tier0Op.ShiftRC:
                ShiftReg(op, (int)(_r[1] & (size == 8 ? 0x3FUL : 0x1FUL)));
                return true;
            case Tier0Op.Jcc:
                if (ConditionOp(op.Sub))
                {
                    _state.Rip = op.Imm;
                }
                return true;
            case Tier0Op.Jmp:
                _state.Rip = op.Imm;
                return true;
            case Tier0Op.Call:
            {
                ulong rsp = _r[4] - 8;
                if (!Write(rsp, 8, _state.Rip))
                {
                    return false;
                }
                _r[4] = rsp;
                _state.Rip = op.Imm;
                return true;
            }
            case Tier0Op.Ret:
            {
                ulong rsp = _r[4];
                if (!Read(rsp, 8, out ulong target))
                {
                    return false;
                }
                _r[4] = rsp + 8 + op.Imm;
                _state.Rip = target;
                return true;
            }
            case Tier0Op.PushR:
            {
                ulong rsp = _r[4] - 8;
                if (!Write(rsp, 8, _r[op.Src]))
                {
                    return false;
                }
                _r[4] = rsp;
                return true;
            }
            case Tier0Op.PopR:
            {
                ulong rsp = _r[4];
                if (!Read(rsp, 8, out ulong v))
                {
                    return false;
                }
                _r[4] = rsp + 8;
                _r[op.Dst] = v; // pop rsp: the loaded value wins
                return true;
            }
            default:
                return Execute(in InstructionOf(in op));
        }
    }

    /// <summary>ExecAlu with a register destination.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool AluReg(in DecodedOp op, ulong b)
    {
        var alu = (AluOp)op.Sub;
        ulong r = Alu(alu, GetSlot(op.Dst, op.DstShift, op.Size), b, op.Size);
        if (alu != AluOp.Cmp && alu != AluOp.Test)
        {
            SetSlot(op.Dst, op.DstShift, op.Size, r);
        }
        return true;
    }

    /// <summary>ExecAlu with a memory destination (translated for writing unless CMP or TEST, so
    /// the store cannot fault after the read).</summary>
    private bool AluMem(in DecodedOp op, ulong b)
    {
        var alu = (AluOp)op.Sub;
        bool writes = alu != AluOp.Cmp && alu != AluOp.Test;
        int size = op.Size;
        if (!TranslateMem(OpEa(op), size, writes, out MemRef m))
        {
            return false;
        }
        ulong r = Alu(alu, Load(m, size), b, size);
        if (writes)
        {
            Store(m, size, r);
        }
        return true;
    }

    /// <summary>ExecShift with a register destination and the masked count <paramref name="c"/> (0
    /// changes no flag but still writes the register back).</summary>
    private void ShiftReg(in DecodedOp op, int c)
    {
        ulong a = GetSlot(op.Dst, op.DstShift, op.Size);
        SetSlot(op.Dst, op.DstShift, op.Size, c == 0 ? a : Shifted((ShiftKind)op.Sub, a, c, op.Size));
    }

    /// <summary>ExecUnary with a register destination.</summary>
    private void UnaryReg(in DecodedOp op) =>
        SetSlot(op.Dst, op.DstShift, op.Size, Unary((UnaryOp)op.Sub, GetSlot(op.Dst, op.DstShift, op.Size), op.Size));
}

using System.Buffers.Binary;
using System.Reflection.Emit;
using Iced.Intel;
using Label = System.Reflection.Emit.Label;

namespace Emulator.Core.Cpu.Translate;

/// <summary>The integer instructions translated natively, each mirroring its interpreter handler
/// (<c>Cpu.DataMove.cs</c>, <c>Cpu.Arith.cs</c>, <c>Cpu.Shift.cs</c>, <c>Cpu.MulDiv.cs</c>): the
/// same operand sizes, truncations, flags and order of memory accesses.</summary>
internal sealed partial class RegionEmitter
{
    private void EmitMov()
    {
        ref readonly Instruction i = ref _g.Instruction;
        if (i.Op0Kind == OpKind.Register)
        {
            Register d = i.Op0Register;
            LoadSource(1, RegSize(d));
            StoreReg(d);
            return;
        }
        int size = i.MemorySize.GetSize();
        EmitEa();
        _il.Emit(OpCodes.Stloc, _ea);
        EmitHostRef(_ea, size, write: true);
        LoadSource(1, size);
        _il.Emit(OpCodes.Stloc, _vr);
        StoreHost(size, _vr);
    }

    private void EmitMovExtend()
    {
        ref readonly Instruction i = ref _g.Instruction;
        int srcSize = i.Op1Kind == OpKind.Register ? RegSize(i.Op1Register) : i.MemorySize.GetSize();
        LoadSource(1, srcSize);
        if (i.Mnemonic != Mnemonic.Movzx)
        {
            SignExtend(srcSize);
        }
        StoreReg(i.Op0Register);
    }

    private void EmitLea()
    {
        EmitEa(segment: false);
        StoreReg(_g.Instruction.Op0Register);
    }

    /// <summary>ADD, OR, ADC, SBB, AND, SUB, XOR, CMP, TEST: a memory destination is translated for
    /// writing unless the instruction only compares.</summary>
    private void EmitAlu()
    {
        ref readonly Instruction i = ref _g.Instruction;
        Mnemonic m = i.Mnemonic;
        int size = Op0Size();
        bool writes = m is not (Mnemonic.Cmp or Mnemonic.Test);
        bool memory = i.Op0Kind == OpKind.Memory;
        if (memory)
        {
            EmitEa();
            _il.Emit(OpCodes.Stloc, _ea);
            EmitHostRef(_ea, size, writes);
            LoadHost(size);
            _il.Emit(OpCodes.Stloc, _va);
            LoadSource(1, size);
            _il.Emit(OpCodes.Stloc, _vb);
        }
        else
        {
            LoadSource(1, size);
            _il.Emit(OpCodes.Stloc, _vb);
            LoadReg(i.Op0Register);
            _il.Emit(OpCodes.Stloc, _va);
        }
        _il.Emit(OpCodes.Ldloc, _va);
        _il.Emit(OpCodes.Ldloc, _vb);
        Cpu.FlagKind kind;
        bool carry = false;
        switch (m)
        {
            case Mnemonic.Add: _il.Emit(OpCodes.Add); kind = Cpu.FlagKind.Add; break;
            case Mnemonic.Adc: _il.Emit(OpCodes.Add); EmitCarry(); _il.Emit(OpCodes.Add); kind = Cpu.FlagKind.Add; carry = true; break;
            case Mnemonic.Sub: case Mnemonic.Cmp: _il.Emit(OpCodes.Sub); kind = Cpu.FlagKind.Sub; break;
            case Mnemonic.Sbb: _il.Emit(OpCodes.Sub); EmitCarry(); _il.Emit(OpCodes.Sub); kind = Cpu.FlagKind.Sub; carry = true; break;
            case Mnemonic.And: case Mnemonic.Test: _il.Emit(OpCodes.And); kind = Cpu.FlagKind.Result; break;
            case Mnemonic.Or: _il.Emit(OpCodes.Or); kind = Cpu.FlagKind.Result; break;
            default: _il.Emit(OpCodes.Xor); kind = Cpu.FlagKind.Result; break;
        }
        Truncate(size);
        _il.Emit(OpCodes.Stloc, _vr);
        if (writes)
        {
            if (memory)
            {
                StoreHost(size, _vr);
            }
            else
            {
                _il.Emit(OpCodes.Ldloc, _vr);
                StoreReg(i.Op0Register);
            }
        }
        if (kind == Cpu.FlagKind.Result)
        {
            RecordFlags(kind, size, null, null, _vr, logic: true);
        }
        else
        {
            RecordFlags(kind, size, _va, _vb, _vr, withCarry: carry);
        }
    }

    /// <summary>Loads operand 0 for a read-modify-write into <see cref="_va"/> (memory translated for
    /// writing, the reference left in <see cref="_host"/>).</summary>
    private void LoadDest(int size)
    {
        ref readonly Instruction i = ref _g.Instruction;
        if (i.Op0Kind == OpKind.Register)
        {
            LoadReg(i.Op0Register);
        }
        else
        {
            EmitEa();
            _il.Emit(OpCodes.Stloc, _ea);
            EmitHostRef(_ea, size, write: true);
            LoadHost(size);
        }
        _il.Emit(OpCodes.Stloc, _va);
    }

    /// <summary>Writes <see cref="_vr"/> to operand 0 after <see cref="LoadDest"/>.</summary>
    private void StoreDest(int size, LocalBuilder value)
    {
        ref readonly Instruction i = ref _g.Instruction;
        if (i.Op0Kind == OpKind.Register)
        {
            _il.Emit(OpCodes.Ldloc, value);
            StoreReg(i.Op0Register);
        }
        else
        {
            StoreHost(size, value);
        }
    }

    /// <summary>NOT, NEG, INC, DEC (memory translated for writing in every case, as the interpreter does).</summary>
    private void EmitUnary()
    {
        Mnemonic m = _g.Instruction.Mnemonic;
        int size = Op0Size();
        LoadDest(size);
        switch (m)
        {
            case Mnemonic.Not:
                _il.Emit(OpCodes.Ldloc, _va);
                _il.Emit(OpCodes.Not);
                break;
            case Mnemonic.Neg:
                LdcI8(0);
                _il.Emit(OpCodes.Ldloc, _va);
                _il.Emit(OpCodes.Sub);
                break;
            default:
                _il.Emit(OpCodes.Ldloc, _va);
                LdcI8(1);
                _il.Emit(m == Mnemonic.Inc ? OpCodes.Add : OpCodes.Sub);
                break;
        }
        Truncate(size);
        _il.Emit(OpCodes.Stloc, _vr);
        StoreDest(size, _vr);
        switch (m)
        {
            case Mnemonic.Neg:
                // Flags of 0 − a.
                LdcI8(0);
                _il.Emit(OpCodes.Stloc, _vb);
                RecordFlags(Cpu.FlagKind.Sub, size, _vb, _va, _vr);
                break;
            case Mnemonic.Inc:
            case Mnemonic.Dec:
                LdcI8(1);
                _il.Emit(OpCodes.Stloc, _vb);
                RecordFlags(m == Mnemonic.Inc ? Cpu.FlagKind.Inc : Cpu.FlagKind.Dec, size, _va, _vb, _vr);
                break;
        }
    }

    /// <summary>IMUL r, r/m and IMUL r, r/m, imm: CF = OF = the product does not fit; SF, ZF, PF from
    /// the truncated result (<c>Cpu.ExecMul</c>).</summary>
    private void EmitImul()
    {
        ref readonly Instruction i = ref _g.Instruction;
        Register d = i.Op0Register;
        int size = RegSize(d);
        if (i.OpCount == 2)
        {
            LoadSource(1, size);
            _il.Emit(OpCodes.Stloc, _vb);
            LoadReg(d);
            _il.Emit(OpCodes.Stloc, _va);
        }
        else
        {
            LoadSource(1, size);
            _il.Emit(OpCodes.Stloc, _va);
            LdcI8(i.GetImmediate(2) & Mask(size));
            _il.Emit(OpCodes.Stloc, _vb);
        }
        if (size == 8)
        {
            // high = BigMul(a, b, out low); overflow = high != low >> 63 (arithmetic).
            _il.Emit(OpCodes.Ldloc, _va);
            _il.Emit(OpCodes.Ldloc, _vb);
            _il.Emit(OpCodes.Ldloca, _lo);
            _il.Emit(OpCodes.Call, typeof(Math).GetMethod(nameof(Math.BigMul), [typeof(long), typeof(long), typeof(long).MakeByRefType()])!);
            _il.Emit(OpCodes.Ldloc, _lo);
            _il.Emit(OpCodes.Stloc, _vr);
            _il.Emit(OpCodes.Ldloc, _lo);
            LdcI4(63);
            _il.Emit(OpCodes.Shr);
        }
        else
        {
            // p = sx(a) * sx(b); r = p truncated; overflow = p != sx(r).
            _il.Emit(OpCodes.Ldloc, _va);
            SignExtend(size);
            _il.Emit(OpCodes.Ldloc, _vb);
            SignExtend(size);
            _il.Emit(OpCodes.Mul);
            _il.Emit(OpCodes.Dup);
            Truncate(size);
            _il.Emit(OpCodes.Stloc, _vr);
            _il.Emit(OpCodes.Ldloc, _vr);
            SignExtend(size);
        }
        _il.Emit(OpCodes.Ceq);
        _il.Emit(OpCodes.Ldc_I4_0);
        _il.Emit(OpCodes.Ceq);
        _il.Emit(OpCodes.Conv_U8);
        LdcI8(InstructionClassifier.CF | InstructionClassifier.OF);
        _il.Emit(OpCodes.Mul);
        _il.Emit(OpCodes.Stloc, _vb);
        _il.Emit(OpCodes.Ldloc, _vr);
        StoreReg(d);
        RecordFlags(Cpu.FlagKind.Result, size, null, _vb, _vr);
    }

    /// <summary>PUSH r64 / imm: the store is translated before RSP changes.</summary>
    private void EmitPush()
    {
        ref readonly Instruction i = ref _g.Instruction;
        if (i.Op0Kind == OpKind.Register)
        {
            LoadReg(i.Op0Register);
        }
        else
        {
            LdcI8(i.GetImmediate(0));
        }
        _il.Emit(OpCodes.Stloc, _vr);
        PushValue(_vr);
    }

    /// <summary>Pushes the 8-byte <paramref name="value"/>: translates RSP − 8 for writing (may
    /// exit), stores, then sets RSP.</summary>
    private void PushValue(LocalBuilder value)
    {
        LocalBuilder rsp = _reg[4]!;
        _il.Emit(OpCodes.Ldloc, rsp);
        LdcI8(8);
        _il.Emit(OpCodes.Sub);
        _il.Emit(OpCodes.Stloc, _ea);
        EmitHostRef(_ea, 8, write: true);
        StoreHost(8, value);
        _il.Emit(OpCodes.Ldloc, _ea);
        _il.Emit(OpCodes.Stloc, rsp);
    }

    /// <summary>POP r64 (POP RSP: the loaded value wins).</summary>
    private void EmitPop()
    {
        LocalBuilder rsp = _reg[4]!;
        EmitHostRef(rsp, 8, write: false);
        LoadHost(8);
        _il.Emit(OpCodes.Stloc, _vr);
        _il.Emit(OpCodes.Ldloc, rsp);
        LdcI8(8);
        _il.Emit(OpCodes.Add);
        _il.Emit(OpCodes.Stloc, rsp);
        _il.Emit(OpCodes.Ldloc, _vr);
        StoreReg(_g.Instruction.Op0Register);
    }

    /// <summary>CMOVcc: the source is always read; a 32-bit destination is zero-extended either way.</summary>
    private void EmitCmov()
    {
        ref readonly Instruction i = ref _g.Instruction;
        Register d = i.Op0Register;
        int size = RegSize(d);
        LoadSource(1, size);
        _il.Emit(OpCodes.Stloc, _vr);
        Label keep = _il.DefineLabel();
        Label store = _il.DefineLabel();
        EmitCondition(i.ConditionCode);
        _il.Emit(OpCodes.Brfalse, keep);
        _il.Emit(OpCodes.Ldloc, _vr);
        _il.Emit(OpCodes.Br, store);
        _il.MarkLabel(keep);
        LoadReg(d);
        _il.MarkLabel(store);
        StoreReg(d);
    }

    private void EmitSetcc()
    {
        ref readonly Instruction i = ref _g.Instruction;
        if (i.Op0Kind == OpKind.Register)
        {
            EmitCondition(i.ConditionCode);
            _il.Emit(OpCodes.Conv_U8);
            StoreReg(i.Op0Register);
            return;
        }
        EmitEa();
        _il.Emit(OpCodes.Stloc, _ea);
        EmitHostRef(_ea, 1, write: true);
        EmitCondition(i.ConditionCode);
        _il.Emit(OpCodes.Conv_U8);
        _il.Emit(OpCodes.Stloc, _vr);
        StoreHost(1, _vr);
    }

    private void EmitXchg()
    {
        ref readonly Instruction i = ref _g.Instruction;
        LoadReg(i.Op0Register);
        _il.Emit(OpCodes.Stloc, _va);
        LoadReg(i.Op1Register);
        _il.Emit(OpCodes.Stloc, _vb);
        _il.Emit(OpCodes.Ldloc, _va);
        StoreReg(i.Op1Register);
        _il.Emit(OpCodes.Ldloc, _vb);
        StoreReg(i.Op0Register);
    }

    /// <summary>CBW/CWDE/CDQE and CWD/CDQ/CQO.</summary>
    private void EmitConvert()
    {
        LocalBuilder rax = _reg[0]!;
        switch (_g.Instruction.Mnemonic)
        {
            case Mnemonic.Cbw:
                _il.Emit(OpCodes.Ldloc, rax);
                SignExtend(1);
                StoreReg(Register.AX);
                return;
            case Mnemonic.Cwde:
                _il.Emit(OpCodes.Ldloc, rax);
                SignExtend(2);
                StoreReg(Register.EAX);
                return;
            case Mnemonic.Cdqe:
                _il.Emit(OpCodes.Ldloc, rax);
                SignExtend(4);
                _il.Emit(OpCodes.Stloc, rax);
                return;
            case Mnemonic.Cwd:
                _il.Emit(OpCodes.Ldloc, rax);
                _il.Emit(OpCodes.Conv_I2);
                LdcI4(15);
                _il.Emit(OpCodes.Shr);
                _il.Emit(OpCodes.Conv_I8);
                StoreReg(Register.DX);
                return;
            case Mnemonic.Cdq:
                _il.Emit(OpCodes.Ldloc, rax);
                _il.Emit(OpCodes.Conv_I4);
                LdcI4(31);
                _il.Emit(OpCodes.Shr);
                _il.Emit(OpCodes.Conv_I8);
                StoreReg(Register.EDX);
                return;
            default: // Cqo
                _il.Emit(OpCodes.Ldloc, rax);
                LdcI4(63);
                _il.Emit(OpCodes.Shr);
                _il.Emit(OpCodes.Stloc, _reg[2]!);
                return;
        }
    }

    /// <summary>BSWAP r64/r32; BSWAP r16 clears the low 16 bits (as Intel processors and the interpreter).</summary>
    private void EmitBswap()
    {
        Register d = _g.Instruction.Op0Register;
        switch (RegSize(d))
        {
            case 8:
                _il.Emit(OpCodes.Ldloc, RegLocal(d));
                _il.Emit(OpCodes.Call, typeof(BinaryPrimitives).GetMethod(nameof(BinaryPrimitives.ReverseEndianness), [typeof(ulong)])!);
                break;
            case 4:
                _il.Emit(OpCodes.Ldloc, RegLocal(d));
                _il.Emit(OpCodes.Conv_U4);
                _il.Emit(OpCodes.Call, typeof(BinaryPrimitives).GetMethod(nameof(BinaryPrimitives.ReverseEndianness), [typeof(uint)])!);
                _il.Emit(OpCodes.Conv_U8);
                break;
            default:
                LdcI8(0);
                break;
        }
        StoreReg(d);
    }
}

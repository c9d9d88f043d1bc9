using System.Numerics;
using System.Reflection;
using System.Reflection.Emit;
using Iced.Intel;
using Label = System.Reflection.Emit.Label;
using static Emulator.Core.Cpu.Translate.InstructionClassifier;

namespace Emulator.Core.Cpu.Translate;

/// <summary>SHL/SAL, SHR, SAR, ROL, ROR by an immediate or by CL, mirroring <c>Cpu.ExecShift</c>:
/// the count masked to 5 bits (6 for 64-bit operands), a masked count of 0 writing the destination
/// back unchanged and no flag, and the interpreter's choices where the SDM leaves OF undefined.</summary>
internal sealed partial class RegionEmitter
{
    private static readonly MethodInfo s_rotateLeft64 = typeof(BitOperations).GetMethod(nameof(BitOperations.RotateLeft), [typeof(ulong), typeof(int)])!;
    private static readonly MethodInfo s_rotateRight64 = typeof(BitOperations).GetMethod(nameof(BitOperations.RotateRight), [typeof(ulong), typeof(int)])!;
    private static readonly MethodInfo s_rotateLeft32 = typeof(BitOperations).GetMethod(nameof(BitOperations.RotateLeft), [typeof(uint), typeof(int)])!;
    private static readonly MethodInfo s_rotateRight32 = typeof(BitOperations).GetMethod(nameof(BitOperations.RotateRight), [typeof(uint), typeof(int)])!;

    /// <summary>The status flags a rotate keeps.</summary>
    private const ulong RotateKept = SF | ZF | AF | PF;

    /// <summary>By an immediate: the count is known here, so a zero count emits only the write-back
    /// and a non-zero one records its flags statically.</summary>
    private void EmitShiftImm()
    {
        ref readonly Instruction i = ref _g.Instruction;
        Mnemonic m = i.Mnemonic;
        int size = Op0Size();
        int c = i.Immediate8 & (size == 8 ? 0x3F : 0x1F);
        LoadDest(size);
        if (c == 0)
        {
            StoreDest(size, _va);
            return;
        }
        EmitShiftResult(m, size, c);
        StoreDest(size, _vr);
        if (_g.LiveAfter == 0)
        {
            _flags = FlagSnapshot.Dead;
            return;
        }
        EmitShiftCarryOverflow(m, size, c);
        if (KeepsLiveFlags(m))
        {
            EmitRotateStatus();
            _flags = new FlagSnapshot(FlagPlace.Known, Cpu.FlagKind.None, size, false, false);
        }
        else
        {
            // A shift, or a rotate whose kept flags are dead: the record's SF, ZF, PF (from the
            // result) are then never observed.
            RecordFlags(Cpu.FlagKind.Result, size, null, _vb, _vr);
        }
    }

    /// <summary>True for a rotate after which a flag it keeps may be observed: the previous flags
    /// are then read (live, by <see cref="FlagLiveness"/>, since the rotate does not define them).</summary>
    private bool KeepsLiveFlags(Mnemonic m) => m is Mnemonic.Rol or Mnemonic.Ror && (_g.LiveAfter & RotateKept) != 0;

    /// <summary>A rotate's flags, exact, into <see cref="_fFlags"/>: the previous SF, ZF, AF, PF
    /// with the CF and OF of <see cref="_vb"/> (as INC/DEC keep CF there, a rotate keeps the other four).</summary>
    private void EmitRotateStatus()
    {
        EmitStatus();
        LdcI8(~(CF | OF));
        _il.Emit(OpCodes.And);
        _il.Emit(OpCodes.Ldloc, _vb);
        _il.Emit(OpCodes.Or);
        _il.Emit(OpCodes.Stloc, _fFlags);
    }

    /// <summary>By CL: the result is computed unconditionally (every formula gives the operand back
    /// for a zero count, which is written back as the interpreter does); when a flag may be
    /// observed, a run-time branch either records the new flags or keeps the previous ones, and the
    /// two paths meet in the <see cref="FlagPlace.Locals"/> place.</summary>
    private void EmitShiftCl()
    {
        ref readonly Instruction i = ref _g.Instruction;
        Mnemonic m = i.Mnemonic;
        int size = Op0Size();
        _il.Emit(OpCodes.Ldloc, RegLocal(i.Op1Register));
        _il.Emit(OpCodes.Conv_I4);
        LdcI4(size == 8 ? 0x3F : 0x1F);
        _il.Emit(OpCodes.And);
        _il.Emit(OpCodes.Stloc, _count);
        LoadDest(size);
        EmitShiftResult(m, size, null);
        StoreDest(size, _vr);
        if (_g.LiveAfter == 0)
        {
            _flags = FlagSnapshot.Dead;
            return;
        }
        Label keep = _il.DefineLabel();
        Label done = _il.DefineLabel();
        _il.Emit(OpCodes.Ldloc, _count);
        _il.Emit(OpCodes.Brfalse, keep);
        EmitShiftCarryOverflow(m, size, null);
        if (KeepsLiveFlags(m))
        {
            EmitRotateStatus();
            LdcI4((int)Cpu.FlagKind.None);
        }
        else
        {
            LdcI8(0);
            _il.Emit(OpCodes.Stloc, _fA);
            _il.Emit(OpCodes.Ldloc, _vb);
            _il.Emit(OpCodes.Stloc, _fB);
            _il.Emit(OpCodes.Ldloc, _vr);
            _il.Emit(OpCodes.Stloc, _fR);
            LdcI4((int)Cpu.FlagKind.Result);
        }
        _il.Emit(OpCodes.Stloc, _fK);
        LdcI4(size);
        _il.Emit(OpCodes.Stloc, _fS);
        _il.Emit(OpCodes.Br, done);
        _il.MarkLabel(keep);
        ToLocals(_flags);
        _il.MarkLabel(done);
        _flags = FlagSnapshot.Locals;
    }

    /// <summary>Pushes the shift count (an int32) plus <paramref name="delta"/>: the immediate's
    /// <paramref name="constant"/>, or the masked CL in <see cref="_count"/>.</summary>
    private void LdCount(int? constant, int delta = 0)
    {
        if (constant is int c)
        {
            LdcI4(c + delta);
            return;
        }
        _il.Emit(OpCodes.Ldloc, _count);
        if (delta != 0)
        {
            LdcI4(delta);
            _il.Emit(OpCodes.Add);
        }
    }

    /// <summary>The result of shifting or rotating <see cref="_va"/> (the operand, zero-extended) by
    /// the masked count, into <see cref="_vr"/>; SAR leaves the sign-extended operand in
    /// <see cref="_vs"/>. Exact for a zero count too (the operand itself).</summary>
    private void EmitShiftResult(Mnemonic m, int size, int? constant)
    {
        _il.Emit(OpCodes.Ldloc, _va);
        switch (m)
        {
            case Mnemonic.Shl:
            case Mnemonic.Sal:
                LdCount(constant);
                _il.Emit(OpCodes.Shl);
                Truncate(size);
                break;
            case Mnemonic.Shr:
                LdCount(constant);
                _il.Emit(OpCodes.Shr_Un);
                break;
            case Mnemonic.Sar:
                SignExtend(size);
                _il.Emit(OpCodes.Stloc, _vs);
                _il.Emit(OpCodes.Ldloc, _vs);
                LdCount(constant);
                _il.Emit(OpCodes.Shr);
                Truncate(size);
                break;
            default:
                bool left = m == Mnemonic.Rol;
                if (size == 4)
                {
                    _il.Emit(OpCodes.Conv_U4);
                    LdCount(constant);
                    _il.Emit(OpCodes.Call, left ? s_rotateLeft32 : s_rotateRight32);
                    _il.Emit(OpCodes.Conv_U8);
                    break;
                }
                if (size < 4)
                {
                    // Replicated over 64 bits, an 8- or 16-bit operand rotates as a 64-bit one does
                    // (the width divides 64), the count mod the width included.
                    LdcI8(size == 1 ? 0x0101_0101_0101_0101UL : 0x0001_0001_0001_0001UL);
                    _il.Emit(OpCodes.Mul);
                }
                LdCount(constant);
                _il.Emit(OpCodes.Call, left ? s_rotateLeft64 : s_rotateRight64);
                Truncate(size);
                break;
        }
        _il.Emit(OpCodes.Stloc, _vr);
    }

    /// <summary>CF | OF &lt;&lt; 11 of a non-zero masked count into <see cref="_vb"/>, after
    /// <see cref="EmitShiftResult"/>: CF the last bit shifted out (SHL of an 8- or 16-bit operand by
    /// more than its width: 0), or for rotates the bit that wrapped; OF as <c>Cpu.ExecShift</c> for
    /// every count (SHL/ROL: MSB ⊕ CF; SHR/ROR: the top two bits of the result differ; SAR: 0).</summary>
    private void EmitShiftCarryOverflow(Mnemonic m, int size, int? constant)
    {
        int bits = size * 8;
        switch (m)
        {
            case Mnemonic.Shl:
            case Mnemonic.Sal:
                if (constant is int c)
                {
                    if (c <= bits)
                    {
                        _il.Emit(OpCodes.Ldloc, _va);
                        LdcI4(bits - c);
                        _il.Emit(OpCodes.Shr_Un);
                    }
                    else
                    {
                        LdcI8(0);
                    }
                }
                else if (size == 8)
                {
                    _il.Emit(OpCodes.Ldloc, _va);
                    LdcI4(64);
                    _il.Emit(OpCodes.Ldloc, _count);
                    _il.Emit(OpCodes.Sub);
                    _il.Emit(OpCodes.Shr_Un);
                }
                else
                {
                    // Bit `bits` of a << c, which is 0 once c exceeds the width (a < 2^32, c < 32:
                    // no bit is lost in 64 bits).
                    _il.Emit(OpCodes.Ldloc, _va);
                    _il.Emit(OpCodes.Ldloc, _count);
                    _il.Emit(OpCodes.Shl);
                    LdcI4(bits);
                    _il.Emit(OpCodes.Shr_Un);
                }
                LdcI8(1);
                _il.Emit(OpCodes.And);
                _il.Emit(OpCodes.Stloc, _vb);
                _il.Emit(OpCodes.Ldloc, _vb);
                EmitResultMsb(bits);
                _il.Emit(OpCodes.Ldloc, _vb);
                _il.Emit(OpCodes.Xor);
                break;
            case Mnemonic.Shr:
                _il.Emit(OpCodes.Ldloc, _va);
                LdCount(constant, -1);
                _il.Emit(OpCodes.Shr_Un);
                LdcI8(1);
                _il.Emit(OpCodes.And);
                EmitTopTwoDiffer(bits);
                break;
            case Mnemonic.Sar:
                _il.Emit(OpCodes.Ldloc, _vs);
                LdCount(constant, -1);
                _il.Emit(OpCodes.Shr);
                LdcI8(1);
                _il.Emit(OpCodes.And);
                _il.Emit(OpCodes.Stloc, _vb);
                return;
            case Mnemonic.Rol:
                _il.Emit(OpCodes.Ldloc, _vr);
                LdcI8(1);
                _il.Emit(OpCodes.And);
                EmitResultMsb(bits);
                _il.Emit(OpCodes.Ldloc, _vr);
                _il.Emit(OpCodes.Xor);
                LdcI8(1);
                _il.Emit(OpCodes.And);
                break;
            default: // Ror
                EmitResultMsb(bits);
                EmitTopTwoDiffer(bits);
                break;
        }
        // Stack: CF, OF (both 0 or 1).
        LdcI4(11);
        _il.Emit(OpCodes.Shl);
        _il.Emit(OpCodes.Or);
        _il.Emit(OpCodes.Stloc, _vb);
    }

    /// <summary>Pushes the top bit of <see cref="_vr"/> (a ulong 0 or 1; the result is truncated).</summary>
    private void EmitResultMsb(int bits)
    {
        _il.Emit(OpCodes.Ldloc, _vr);
        LdcI4(bits - 1);
        _il.Emit(OpCodes.Shr_Un);
    }

    /// <summary>Pushes whether the top two bits of <see cref="_vr"/> differ (a ulong 0 or 1).</summary>
    private void EmitTopTwoDiffer(int bits)
    {
        EmitResultMsb(bits);
        _il.Emit(OpCodes.Ldloc, _vr);
        LdcI4(bits - 2);
        _il.Emit(OpCodes.Shr_Un);
        _il.Emit(OpCodes.Xor);
        LdcI8(1);
        _il.Emit(OpCodes.And);
    }
}

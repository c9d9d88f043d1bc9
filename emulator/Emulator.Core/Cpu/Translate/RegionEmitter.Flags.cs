using System.Numerics;
using System.Reflection.Emit;
using Iced.Intel;
using Label = System.Reflection.Emit.Label;
using static Emulator.Core.Cpu.Translate.InstructionClassifier;

namespace Emulator.Core.Cpu.Translate;

/// <summary>Where the status flags are at a point of the generated code.</summary>
internal enum FlagPlace : byte
{
    /// <summary>No status flag can be observed before all six are written again (no exit and no
    /// reader in between): nothing describes them and nothing needs to.</summary>
    Dead,

    /// <summary>A lazy record in locals, kind and size included (<c>fK</c>, <c>fS</c>, <c>fA</c>,
    /// <c>fB</c>, <c>fR</c>, <c>fFlags</c>): how a region is entered (loaded from the CPU), how
    /// flags pass into a block with several predecessors, and after an interpreter call.</summary>
    Locals,

    /// <summary>Described by the last flag-setting instruction, statically known: its kind and
    /// size, with its operands and result in <c>fA</c>, <c>fB</c>, <c>fR</c> (and for INC/DEC the
    /// kept CF in bit 0 of <c>fFlags</c>; for kind None, after a rotate that keeps flags which may
    /// be observed, all six exact in <c>fFlags</c>).</summary>
    Known,
}

/// <summary>The emitter's static knowledge of the flags at one point.</summary>
internal readonly record struct FlagSnapshot(FlagPlace Place, Cpu.FlagKind Kind, int Size, bool WithCarry, bool Logic)
{
    public static readonly FlagSnapshot Dead = new(FlagPlace.Dead, Cpu.FlagKind.None, 0, false, false);
    public static readonly FlagSnapshot Locals = new(FlagPlace.Locals, Cpu.FlagKind.None, 0, false, false);
}

internal sealed partial class RegionEmitter
{
    private FlagSnapshot _flags;

    // The flag record: A, B, R as the CPU's lazy record defines them (see Cpu.FlagKind); Flags an
    // RFLAGS image whose status bits are exact for kind None and whose CF is exact for INC/DEC;
    // Kind and Size meaningful in the Locals place only.
    private LocalBuilder _fA = null!;
    private LocalBuilder _fB = null!;
    private LocalBuilder _fR = null!;
    private LocalBuilder _fFlags = null!;
    private LocalBuilder _fK = null!;
    private LocalBuilder _fS = null!;

    private void DeclareFlagLocals()
    {
        _fA = _il.DeclareLocal(typeof(ulong));
        _fB = _il.DeclareLocal(typeof(ulong));
        _fR = _il.DeclareLocal(typeof(ulong));
        _fFlags = _il.DeclareLocal(typeof(ulong));
        _fK = _il.DeclareLocal(typeof(int));
        _fS = _il.DeclareLocal(typeof(int));
    }

    /// <summary>Loads the CPU's flags (RFLAGS and the lazy record) into the flag locals: the place is then <see cref="FlagPlace.Locals"/>.</summary>
    private void LoadFlags()
    {
        LdCpu();
        _il.Emit(OpCodes.Ldfld, Cpu.Members.LazyKind);
        _il.Emit(OpCodes.Stloc, _fK);
        LdCpu();
        _il.Emit(OpCodes.Ldfld, Cpu.Members.LazySize);
        _il.Emit(OpCodes.Stloc, _fS);
        LdCpu();
        _il.Emit(OpCodes.Ldfld, Cpu.Members.LazyA);
        _il.Emit(OpCodes.Stloc, _fA);
        LdCpu();
        _il.Emit(OpCodes.Ldfld, Cpu.Members.LazyB);
        _il.Emit(OpCodes.Stloc, _fB);
        LdCpu();
        _il.Emit(OpCodes.Ldfld, Cpu.Members.LazyR);
        _il.Emit(OpCodes.Stloc, _fR);
        LdCpu();
        _il.Emit(OpCodes.Ldfld, Cpu.Members.State);
        _il.Emit(OpCodes.Callvirt, Cpu.Members.StateGetRflags);
        _il.Emit(OpCodes.Stloc, _fFlags);
        _flags = FlagSnapshot.Locals;
    }

    /// <summary>Stores the flags of the <see cref="FlagPlace.Locals"/> place into the CPU's lazy
    /// record and the status bits of RFLAGS (for the common exit).</summary>
    /// <remarks>All six status bits are taken from <c>fFlags</c> whatever the kind: exact for kind
    /// None, CF exact for INC/DEC, and for the other kinds stale bits that the lazy record's
    /// invariant allows (<c>Cpu.LazyFlags.cs</c>).</remarks>
    private void FlushLocals()
    {
        LdCpu();
        _il.Emit(OpCodes.Ldloc, _fK);
        _il.Emit(OpCodes.Stfld, Cpu.Members.LazyKind);
        LdCpu();
        _il.Emit(OpCodes.Ldloc, _fS);
        _il.Emit(OpCodes.Stfld, Cpu.Members.LazySize);
        LdCpu();
        _il.Emit(OpCodes.Ldloc, _fA);
        _il.Emit(OpCodes.Stfld, Cpu.Members.LazyA);
        LdCpu();
        _il.Emit(OpCodes.Ldloc, _fB);
        _il.Emit(OpCodes.Stfld, Cpu.Members.LazyB);
        LdCpu();
        _il.Emit(OpCodes.Ldloc, _fR);
        _il.Emit(OpCodes.Stfld, Cpu.Members.LazyR);
        LdCpu();
        _il.Emit(OpCodes.Ldfld, Cpu.Members.State);
        _il.Emit(OpCodes.Dup);
        _il.Emit(OpCodes.Callvirt, Cpu.Members.StateGetRflags);
        LdcI8(~Status);
        _il.Emit(OpCodes.And);
        _il.Emit(OpCodes.Ldloc, _fFlags);
        LdcI8(Status);
        _il.Emit(OpCodes.And);
        _il.Emit(OpCodes.Or);
        _il.Emit(OpCodes.Callvirt, Cpu.Members.StateSetRflags);
    }

    /// <summary>Pushes the flag record described by <paramref name="f"/> as arguments: kind and size
    /// (int32), A, B, R and the RFLAGS image (ulong).</summary>
    private void LoadFlagRecord(FlagSnapshot f)
    {
        if (f.Place == FlagPlace.Dead)
        {
            throw new InvalidOperationException($"translator: flags dead at a handler call near {_g.Instruction.IP:x}");
        }
        if (f.Place == FlagPlace.Known)
        {
            LdcI4((int)f.Kind);
            LdcI4(f.Size);
        }
        else
        {
            _il.Emit(OpCodes.Ldloc, _fK);
            _il.Emit(OpCodes.Ldloc, _fS);
        }
        _il.Emit(OpCodes.Ldloc, _fA);
        _il.Emit(OpCodes.Ldloc, _fB);
        _il.Emit(OpCodes.Ldloc, _fR);
        _il.Emit(OpCodes.Ldloc, _fFlags);
    }

    /// <summary>Moves a <see cref="FlagPlace.Known"/> state to <see cref="FlagPlace.Locals"/> (the
    /// values are already in the locals; the kind and size become dynamic).</summary>
    private void ToLocals(FlagSnapshot f)
    {
        if (f.Place == FlagPlace.Dead)
        {
            throw new InvalidOperationException($"translator: flags dead at a block boundary near {_g.Instruction.IP:x}");
        }
        if (f.Place == FlagPlace.Known)
        {
            LdcI4((int)f.Kind);
            _il.Emit(OpCodes.Stloc, _fK);
            LdcI4(f.Size);
            _il.Emit(OpCodes.Stloc, _fS);
        }
    }

    /// <summary>
    /// After an instruction that sets flags from <paramref name="a"/>, <paramref name="b"/>,
    /// <paramref name="r"/> (locals, or null for 0): records them when a flag it writes, or one
    /// it keeps, may be observed later; otherwise the flags are dead.
    /// </summary>
    /// <remarks>Emit after everything of the instruction that may exit, and after any read of the
    /// previous flags (ADC's carry).</remarks>
    private void RecordFlags(Cpu.FlagKind kind, int size, LocalBuilder? a, LocalBuilder? b, LocalBuilder r, bool withCarry = false, bool logic = false)
    {
        ulong live = _g.LiveAfter;
        if (live == 0)
        {
            _flags = FlagSnapshot.Dead;
            return;
        }
        if (kind is Cpu.FlagKind.Inc or Cpu.FlagKind.Dec)
        {
            if ((live & CF) != 0)
            {
                EmitCarry();
                _il.Emit(OpCodes.Stloc, _fFlags);
            }
        }
        LdLocalOrZero(a);
        _il.Emit(OpCodes.Stloc, _fA);
        LdLocalOrZero(b);
        _il.Emit(OpCodes.Stloc, _fB);
        _il.Emit(OpCodes.Ldloc, r);
        _il.Emit(OpCodes.Stloc, _fR);
        _flags = new FlagSnapshot(FlagPlace.Known, kind, size, withCarry, logic);
    }

    private void LdLocalOrZero(LocalBuilder? l)
    {
        if (l is null)
        {
            LdcI8(0);
        }
        else
        {
            _il.Emit(OpCodes.Ldloc, l);
        }
    }

    /// <summary>Pushes the six status flags of the flag record <paramref name="f"/> (Known or Locals)
    /// describes, as the CPU would compute them (<c>Cpu.LazyStatus</c>).</summary>
    private void EmitRecordStatus(FlagSnapshot f)
    {
        LoadFlagRecord(f);
        _il.Emit(OpCodes.Call, Cpu.Members.LazyStatusOf);
    }

    /// <summary>Pushes the six status flags of the current state (a ulong, nothing else set).</summary>
    private void EmitStatus()
    {
        FlagSnapshot f = _flags;
        switch (f.Place)
        {
            case FlagPlace.Locals:
                EmitRecordStatus(FlagSnapshot.Locals);
                return;
            case FlagPlace.Dead:
                throw new InvalidOperationException($"translator: status read with dead flags at {_g.Instruction.IP:x}");
        }
        if (f.Kind == Cpu.FlagKind.None)
        {
            _il.Emit(OpCodes.Ldloc, _fFlags);
            return;
        }
        EmitRecordStatus(f);
    }

    /// <summary>Pushes CF (a ulong, 0 or 1) of the current state.</summary>
    private void EmitCarry()
    {
        FlagSnapshot f = _flags;
        switch (f.Place)
        {
            case FlagPlace.Locals:
                EmitRecordStatus(FlagSnapshot.Locals);
                LdcI8(CF);
                _il.Emit(OpCodes.And);
                return;
            case FlagPlace.Dead:
                throw new InvalidOperationException($"translator: carry read with dead flags at {_g.Instruction.IP:x}");
        }
        EmitFlagBit(CF);
        _il.Emit(OpCodes.Conv_U8);
    }

    /// <summary>Pushes an int32 0/1: whether <paramref name="cc"/> holds.</summary>
    private void EmitCondition(ConditionCode cc)
    {
        FlagSnapshot f = _flags;
        if (f.Place == FlagPlace.Locals)
        {
            LdcI4((int)cc);
            EmitRecordStatus(FlagSnapshot.Locals);
            _il.Emit(OpCodes.Call, Cpu.Members.ConditionOf);
            return;
        }
        if (f.Place == FlagPlace.Dead)
        {
            throw new InvalidOperationException($"translator: condition read with dead flags at {_g.Instruction.IP:x}");
        }
        int test = ((int)cc - 1) >> 1;
        bool negate = (((int)cc - 1) & 1) != 0;
        if (f.Kind == Cpu.FlagKind.Sub && !f.WithCarry && test is 1 or 3 or 6 or 7)
        {
            // CMP/SUB then B, BE, L, LE: one compare of the operands.
            bool signed = test >= 6;
            LoadCompared(_fA, f.Size, signed);
            LoadCompared(_fB, f.Size, signed);
            switch (test)
            {
                case 1: _il.Emit(OpCodes.Clt_Un); break;                          // a < b
                case 3: _il.Emit(OpCodes.Cgt_Un); negate = !negate; break;        // !(a > b)
                case 6: _il.Emit(OpCodes.Clt); break;
                default: _il.Emit(OpCodes.Cgt); negate = !negate; break;
            }
        }
        else
        {
            switch (test)
            {
                case 0: EmitFlagBit(OF); break;
                case 1: EmitFlagBit(CF); break;
                case 2: EmitFlagBit(ZF); break;
                case 3: EmitFlagBit(CF); EmitFlagBit(ZF); _il.Emit(OpCodes.Or); break;
                case 4: EmitFlagBit(SF); break;
                case 5: EmitFlagBit(PF); break;
                case 6: EmitFlagBit(SF); EmitFlagBit(OF); _il.Emit(OpCodes.Xor); break;
                default: EmitFlagBit(ZF); EmitFlagBit(SF); EmitFlagBit(OF); _il.Emit(OpCodes.Xor); _il.Emit(OpCodes.Or); break;
            }
        }
        if (negate)
        {
            _il.Emit(OpCodes.Ldc_I4_0);
            _il.Emit(OpCodes.Ceq);
        }
    }

    /// <summary>Pushes a flag-record operand for a compare at its width (sign-extended for a signed one).</summary>
    private void LoadCompared(LocalBuilder l, int size, bool signed)
    {
        _il.Emit(OpCodes.Ldloc, l);
        if (signed)
        {
            switch (size)
            {
                case 1: _il.Emit(OpCodes.Conv_I1); break;
                case 2: _il.Emit(OpCodes.Conv_I2); break;
                case 4: _il.Emit(OpCodes.Conv_I4); break;
            }
        }
    }

    /// <summary>Pushes one status flag (an int32, 0 or 1) of a <see cref="FlagPlace.Known"/> state.</summary>
    private void EmitFlagBit(ulong flag)
    {
        FlagSnapshot f = _flags;
        if (f.Kind == Cpu.FlagKind.None)
        {
            _il.Emit(OpCodes.Ldloc, _fFlags);
            LdcI4(BitOperations.TrailingZeroCount(flag));
            _il.Emit(OpCodes.Shr_Un);
            _il.Emit(OpCodes.Conv_I4);
            _il.Emit(OpCodes.Ldc_I4_1);
            _il.Emit(OpCodes.And);
            return;
        }
        int top = f.Size * 8 - 1;
        switch (flag)
        {
            case ZF:
                _il.Emit(OpCodes.Ldloc, _fR);
                LdcI8(0);
                _il.Emit(OpCodes.Ceq);
                return;
            case SF:
                _il.Emit(OpCodes.Ldloc, _fR);
                LdcI4(top);
                _il.Emit(OpCodes.Shr_Un);
                _il.Emit(OpCodes.Conv_I4);
                _il.Emit(OpCodes.Ldc_I4_1);
                _il.Emit(OpCodes.And);
                return;
            case PF:
                _il.Emit(OpCodes.Ldloc, _fR);
                LdcI8(0xFF);
                _il.Emit(OpCodes.And);
                _il.Emit(OpCodes.Call, typeof(BitOperations).GetMethod(nameof(BitOperations.PopCount), [typeof(ulong)])!);
                _il.Emit(OpCodes.Ldc_I4_1);
                _il.Emit(OpCodes.And);
                _il.Emit(OpCodes.Ldc_I4_1);
                _il.Emit(OpCodes.Xor);
                return;
        }
        switch (f.Kind)
        {
            case Cpu.FlagKind.Result:
                if (f.Logic)
                {
                    _il.Emit(OpCodes.Ldc_I4_0);
                    return;
                }
                _il.Emit(OpCodes.Ldloc, _fB);
                LdcI4(flag == CF ? 0 : 11);
                _il.Emit(OpCodes.Shr_Un);
                _il.Emit(OpCodes.Conv_I4);
                _il.Emit(OpCodes.Ldc_I4_1);
                _il.Emit(OpCodes.And);
                return;
            case Cpu.FlagKind.Inc:
            case Cpu.FlagKind.Dec:
                if (flag == CF)
                {
                    _il.Emit(OpCodes.Ldloc, _fFlags);
                    _il.Emit(OpCodes.Conv_I4);
                    _il.Emit(OpCodes.Ldc_I4_1);
                    _il.Emit(OpCodes.And);
                    return;
                }
                // OF: INC overflows to the sign bit alone, DEC to all ones below it.
                _il.Emit(OpCodes.Ldloc, _fR);
                ulong sb = 1UL << top;
                LdcI8(f.Kind == Cpu.FlagKind.Inc ? sb : sb - 1);
                _il.Emit(OpCodes.Ceq);
                return;
            case Cpu.FlagKind.Add:
                if (flag == CF && !f.WithCarry)
                {
                    _il.Emit(OpCodes.Ldloc, _fR);
                    _il.Emit(OpCodes.Ldloc, _fA);
                    _il.Emit(OpCodes.Clt_Un); // r < a: the sum wrapped
                    return;
                }
                break;
            case Cpu.FlagKind.Sub:
                if (flag == CF && !f.WithCarry)
                {
                    _il.Emit(OpCodes.Ldloc, _fA);
                    _il.Emit(OpCodes.Ldloc, _fB);
                    _il.Emit(OpCodes.Clt_Un);
                    return;
                }
                break;
        }
        if (flag == OF && f.Kind is Cpu.FlagKind.Add or Cpu.FlagKind.Sub)
        {
            // ADD: (a ^ r) & (b ^ r); SUB: (a ^ b) & (a ^ r); the top bit.
            _il.Emit(OpCodes.Ldloc, _fA);
            _il.Emit(OpCodes.Ldloc, f.Kind == Cpu.FlagKind.Add ? _fR : _fB);
            _il.Emit(OpCodes.Xor);
            _il.Emit(OpCodes.Ldloc, f.Kind == Cpu.FlagKind.Add ? _fB : _fA);
            _il.Emit(OpCodes.Ldloc, _fR);
            _il.Emit(OpCodes.Xor);
            _il.Emit(OpCodes.And);
            LdcI4(top);
            _il.Emit(OpCodes.Shr_Un);
            _il.Emit(OpCodes.Conv_I4);
            _il.Emit(OpCodes.Ldc_I4_1);
            _il.Emit(OpCodes.And);
            return;
        }
        // Anything else (CF of ADC/SBB): the interpreter's formula.
        EmitRecordStatus(f);
        LdcI8(flag);
        _il.Emit(OpCodes.And);
        LdcI8(0);
        _il.Emit(OpCodes.Cgt_Un);
    }
}

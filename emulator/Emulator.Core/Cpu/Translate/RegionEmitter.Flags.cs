using System.Numerics;
using System.Reflection.Emit;
using Iced.Intel;
using Label = System.Reflection.Emit.Label;
using static Emulator.Core.Cpu.Translate.InstructionClassifier;

namespace Emulator.Core.Cpu.Translate;

/// <summary>Where the status flags are at a point of the generated code.</summary>
internal enum FlagPlace : byte
{
    /// <summary>No status flag is live here (liveness proved nothing reads them before they are
    /// written): nothing describes them and nothing needs to.</summary>
    Dead,

    /// <summary>In the CPU: RFLAGS plus its lazy record (how a region is entered, and how flags
    /// pass between blocks and to the interpreter).</summary>
    Dynamic,

    /// <summary>Described by the last flag-setting instruction, statically known: its kind and
    /// size, with its operands and result in the flag locals.</summary>
    Known,
}

/// <summary>The emitter's static knowledge of the flags at one point.</summary>
internal readonly record struct FlagSnapshot(FlagPlace Place, Cpu.FlagKind Kind, int Size, bool WithCarry, bool Logic)
{
    public static readonly FlagSnapshot Dead = new(FlagPlace.Dead, Cpu.FlagKind.None, 0, false, false);
    public static readonly FlagSnapshot Dynamic = new(FlagPlace.Dynamic, Cpu.FlagKind.None, 0, false, false);
}

internal sealed partial class RegionEmitter
{
    private FlagSnapshot _flags;

    // The last flag-setting instruction's record: A, B, R as the lazy record defines them (see
    // Cpu.FlagKind), and for INC/DEC the CF it kept (0 or 1).
    private LocalBuilder _fA = null!;
    private LocalBuilder _fB = null!;
    private LocalBuilder _fR = null!;
    private LocalBuilder _fCF = null!;

    private void DeclareFlagLocals()
    {
        _fA = _il.DeclareLocal(typeof(ulong));
        _fB = _il.DeclareLocal(typeof(ulong));
        _fR = _il.DeclareLocal(typeof(ulong));
        _fCF = _il.DeclareLocal(typeof(ulong));
    }

    /// <summary>Stores a <see cref="FlagPlace.Known"/> state into the CPU's lazy record (the state
    /// then is <see cref="FlagPlace.Dynamic"/>); nothing for the other places.</summary>
    private void Flush(FlagSnapshot f)
    {
        if (f.Place != FlagPlace.Known)
        {
            return;
        }
        LdCpu();
        LdcI4((int)f.Kind);
        _il.Emit(OpCodes.Stfld, Cpu.Members.LazyKind);
        LdCpu();
        LdcI4(f.Size);
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
        if (f.Kind is Cpu.FlagKind.Inc or Cpu.FlagKind.Dec)
        {
            // The record's CF lives in RFLAGS: state.Rflags = (state.Rflags & ~CF) | fCF.
            LdCpu();
            _il.Emit(OpCodes.Ldfld, Cpu.Members.State);
            _il.Emit(OpCodes.Dup);
            _il.Emit(OpCodes.Callvirt, Cpu.Members.StateGetRflags);
            LdcI8(~CF);
            _il.Emit(OpCodes.And);
            _il.Emit(OpCodes.Ldloc, _fCF);
            _il.Emit(OpCodes.Or);
            _il.Emit(OpCodes.Callvirt, Cpu.Members.StateSetRflags);
        }
    }

    /// <summary>
    /// After an instruction that sets flags from <paramref name="a"/>, <paramref name="b"/>,
    /// <paramref name="r"/> (locals, or null for 0): records them when a flag it writes, or one
    /// it keeps, may be read later; otherwise the flags are dead.
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
                _il.Emit(OpCodes.Stloc, _fCF);
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

    /// <summary>Pushes CF (a ulong, 0 or 1) of the current state.</summary>
    private void EmitCarry()
    {
        FlagSnapshot f = _flags;
        switch (f.Place)
        {
            case FlagPlace.Dynamic:
                LdCpu();
                _il.Emit(OpCodes.Call, Cpu.Members.GetFlags);
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
        if (f.Place == FlagPlace.Dynamic)
        {
            LdCpu();
            LdcI4((int)cc);
            _il.Emit(OpCodes.Call, Cpu.Members.Condition);
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
                    _il.Emit(OpCodes.Ldloc, _fCF);
                    _il.Emit(OpCodes.Conv_I4);
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
        LdcI4((int)f.Kind);
        LdcI4(f.Size);
        _il.Emit(OpCodes.Ldloc, _fA);
        _il.Emit(OpCodes.Ldloc, _fB);
        _il.Emit(OpCodes.Ldloc, _fR);
        _il.Emit(OpCodes.Ldloc, _fCF);
        _il.Emit(OpCodes.Call, Cpu.Members.LazyStatusOf);
        LdcI8(flag);
        _il.Emit(OpCodes.And);
        LdcI8(0);
        _il.Emit(OpCodes.Cgt_Un);
    }
}

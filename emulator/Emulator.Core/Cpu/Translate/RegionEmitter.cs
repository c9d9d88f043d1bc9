using System.Reflection;
using System.Reflection.Emit;
using System.Runtime.InteropServices;
using Iced.Intel;
using Label = System.Reflection.Emit.Label;

namespace Emulator.Core.Cpu.Translate;

/// <summary>
/// The emit stage: a decoded, analysed <see cref="GuestRegion"/> becomes one
/// <see cref="DynamicMethod"/> obeying the contract written on <see cref="TranslatedRegion"/>.
/// Guest registers live in IL locals for the whole region (the .NET JIT keeps the hot ones in host
/// registers); loops inside the region are IL loops; memory goes through an inline micro-TLB probe.
/// </summary>
/// <remarks>
/// <para>Discipline for precise faults: every instruction first does everything that can fail
/// (address translation, the page-crossing and store-into-code checks) and only then writes
/// register locals, flag locals or memory. Any failure branches to the instruction's exit stub,
/// which leaves the state as before the instruction and exits with <see cref="Cpu.ExitInterpret"/>:
/// the interpreter re-executes it and raises the fault itself.</para>
/// <para>Arguments of the generated method: 0 = the <see cref="TranslatedRegion"/> (the delegate
/// is closed over it), 1 = the <see cref="Cpu"/>.</para>
/// </remarks>
internal sealed partial class RegionEmitter
{
    private static readonly MethodInfo s_byteData = ArrayDataMethod(typeof(byte));
    private static readonly MethodInfo s_entryData = ArrayDataMethod(Cpu.Members.EntryType);

    /// <summary>Iced's factory reuses one buffer per instance and is not thread-safe; vCPUs of
    /// different machines translate on their own threads.</summary>
    [ThreadStatic]
    private static InstructionInfoFactory? t_info;

    private static InstructionInfoFactory Info => t_info ??= new InstructionInfoFactory();

    private readonly GuestRegion _region;
    private readonly ILGenerator _il;
    private readonly List<Instruction> _fallbacks = [];
    private readonly List<Stub> _stubs = [];

    private readonly LocalBuilder?[] _reg = new LocalBuilder?[16];
    private readonly int _written;          // bit per GPR the region may write
    private readonly LocalBuilder _regFile; // ulong[]
    private readonly LocalBuilder _retired;
    private readonly LocalBuilder _limit;
    private readonly LocalBuilder _tlb;
    private readonly LocalBuilder _entrySeq;
    private readonly LocalBuilder _readBase;  // ref MicroTlbEntry
    private readonly LocalBuilder _writeBase; // ref MicroTlbEntry
    private readonly LocalBuilder _codeBits;
    private readonly LocalBuilder _fsBase;
    private readonly LocalBuilder _gsBase;
    private readonly LocalBuilder _exitRip;
    private readonly LocalBuilder _exitAdjust;
    private readonly LocalBuilder _exitCode;
    private readonly LocalBuilder _exitLink; // 1 + the exit's link index (Links), 0 for none
    private readonly Label _commonExit;
    private readonly Label[] _blockLabels;

    /// <summary>Per block: how many edges of the region enter it (the entry block also has the
    /// region's entry), and the flag state it is entered with, fixed by whichever of its first edge
    /// or its own emission comes first: inherited from a single predecessor, else the Locals place.</summary>
    private readonly int[] _preds;
    private readonly FlagSnapshot?[] _entryFlags;

    // The instruction being emitted.
    private GuestBlock _block = null!;
    private int _k;
    private GuestInstruction _g;
    private Label? _interpretHere;

    /// <summary>An out-of-line exit: RIP, instructions of the current block not retired, the exit
    /// code and the flag state at the branch that reaches it.</summary>
    private readonly record struct Stub(Label Label, ulong Rip, int Adjust, int Code, FlagSnapshot Flags);

    private RegionEmitter(GuestRegion region, DynamicMethod method)
    {
        _region = region;
        _il = method.GetILGenerator(256 + region.Instructions.Length * 96);
        _regFile = _il.DeclareLocal(typeof(ulong[]));
        _retired = _il.DeclareLocal(typeof(long));
        _limit = _il.DeclareLocal(typeof(long));
        _tlb = _il.DeclareLocal(typeof(Paging.Tlb));
        _entrySeq = _il.DeclareLocal(typeof(uint));
        _readBase = _il.DeclareLocal(Cpu.Members.EntryType.MakeByRefType());
        _writeBase = _il.DeclareLocal(Cpu.Members.EntryType.MakeByRefType());
        _codeBits = _il.DeclareLocal(typeof(ulong[]));
        _fsBase = _il.DeclareLocal(typeof(ulong));
        _gsBase = _il.DeclareLocal(typeof(ulong));
        _exitRip = _il.DeclareLocal(typeof(ulong));
        _exitAdjust = _il.DeclareLocal(typeof(long));
        _exitCode = _il.DeclareLocal(typeof(int));
        _exitLink = _il.DeclareLocal(typeof(int));
        DeclareFlagLocals();
        DeclareScratch();
        _commonExit = _il.DefineLabel();
        _blockLabels = new Label[region.Blocks.Length];
        for (int b = 0; b < _blockLabels.Length; b++)
        {
            _blockLabels[b] = _il.DefineLabel();
        }
        _entryFlags = new FlagSnapshot?[region.Blocks.Length];
        _preds = new int[region.Blocks.Length];
        _preds[0] = 1;
        foreach (GuestBlock block in region.Blocks)
        {
            OpClass last = region.Instructions[block.First + block.Count - 1].Class;
            if (block.End == BlockEnd.FallThrough || (block.End == BlockEnd.Branch && last == OpClass.Jcc))
            {
                CountEdge(block.Next);
            }
            if (block.End == BlockEnd.Branch && last is OpClass.Jcc or OpClass.Jmp)
            {
                CountEdge(block.Taken);
            }
        }
        int used = 0;
        foreach (GuestInstruction g in region.Instructions)
        {
            InstructionInfo info = Info.GetInfo(in g.Instruction);
            foreach (UsedRegister u in info.GetUsedRegisters())
            {
                int slot = GprSlot(u.Register);
                if (slot >= 0)
                {
                    used |= 1 << slot;
                    if (IsWrite(u.Access))
                    {
                        _written |= 1 << slot;
                    }
                }
            }
        }
        for (int r = 0; r < 16; r++)
        {
            if ((used & (1 << r)) != 0)
            {
                _reg[r] = _il.DeclareLocal(typeof(ulong));
            }
        }
    }

    /// <summary>Compiles <paramref name="region"/> (analysed by <see cref="FlagLiveness"/>).</summary>
    public static TranslatedRegion Emit(GuestRegion region)
    {
        var method = new DynamicMethod($"region_{region.Entry:x}", typeof(int), [typeof(TranslatedRegion), typeof(Cpu)],
            typeof(Cpu).Module, skipVisibility: true);
        var e = new RegionEmitter(region, method);
        e.EmitPrologue();
        for (int b = 0; b < region.Blocks.Length; b++)
        {
            e.EmitBlock(b);
        }
        e.EmitStubs();
        e.EmitCommonExit();
        var translated = new TranslatedRegion(region.Entry, [.. e._fallbacks], region.Instructions.Length, e._links);
        translated.BindEntries([.. region.Blocks.Select(b => b.Ip)], method);
        return translated;
    }

    private void CountEdge(Successor s)
    {
        if (!s.IsExit)
        {
            _preds[s.Block]++;
        }
    }

    private static MethodInfo ArrayDataMethod(Type element)
    {
        foreach (MethodInfo m in typeof(MemoryMarshal).GetMethods(BindingFlags.Public | BindingFlags.Static))
        {
            if (m.Name == nameof(MemoryMarshal.GetArrayDataReference) && m.IsGenericMethodDefinition)
            {
                return m.MakeGenericMethod(element);
            }
        }
        throw new MissingMethodException(nameof(MemoryMarshal), nameof(MemoryMarshal.GetArrayDataReference));
    }

    private static bool IsWrite(OpAccess a) => a is OpAccess.Write or OpAccess.CondWrite or OpAccess.ReadWrite or OpAccess.ReadCondWrite;

    /// <summary>Register-file slot (0–15) of a general-purpose register, −1 for anything else.</summary>
    private static int GprSlot(Register r) => r != Register.None && r.IsGPR() ? r.GetFullRegister() - Register.RAX : -1;

    private void EmitPrologue()
    {
        LdCpu();
        _il.Emit(OpCodes.Ldfld, Cpu.Members.Regs);
        _il.Emit(OpCodes.Stloc, _regFile);
        for (int r = 0; r < 16; r++)
        {
            if (_reg[r] is { } local)
            {
                _il.Emit(OpCodes.Ldloc, _regFile);
                LdcI4(r);
                _il.Emit(OpCodes.Ldelem_I8);
                _il.Emit(OpCodes.Stloc, local);
            }
        }
        LoadField(Cpu.Members.Retired, _retired);
        LoadField(Cpu.Members.Limit, _limit);
        LoadField(Cpu.Members.Tlb, _tlb);
        LoadField(Cpu.Members.CodeSeq, _entrySeq);
        LdCpu();
        _il.Emit(OpCodes.Ldfld, Cpu.Members.ReadTlb);
        _il.Emit(OpCodes.Call, s_entryData);
        _il.Emit(OpCodes.Stloc, _readBase);
        LdCpu();
        _il.Emit(OpCodes.Ldfld, Cpu.Members.WriteTlb);
        _il.Emit(OpCodes.Call, s_entryData);
        _il.Emit(OpCodes.Stloc, _writeBase);
        LoadField(Cpu.Members.CodeBits, _codeBits);
        LdCpu();
        _il.Emit(OpCodes.Ldfld, Cpu.Members.State);
        _il.Emit(OpCodes.Callvirt, Cpu.Members.StateGetFsBase);
        _il.Emit(OpCodes.Stloc, _fsBase);
        LdCpu();
        _il.Emit(OpCodes.Ldfld, Cpu.Members.State);
        _il.Emit(OpCodes.Callvirt, Cpu.Members.StateGetGsBase);
        _il.Emit(OpCodes.Stloc, _gsBase);
        LoadFlags();
        // Every block is also entered from here (TranslatedRegion.Entries), so every block starts
        // with the flags in locals, as block 0 does.
        Array.Fill(_entryFlags, FlagSnapshot.Locals);
        if (_blockLabels.Length > 1)
        {
            // Entered at the block this region object stands for (TranslatedRegion.EntryBlock).
            _il.Emit(OpCodes.Ldarg_0);
            _il.Emit(OpCodes.Ldfld, s_entryBlock);
            _il.Emit(OpCodes.Switch, _blockLabels);
        }
    }

    private static readonly FieldInfo s_entryBlock = typeof(TranslatedRegion).GetField(nameof(TranslatedRegion.EntryBlock))!;

    private void LoadField(FieldInfo field, LocalBuilder into)
    {
        LdCpu();
        _il.Emit(OpCodes.Ldfld, field);
        _il.Emit(OpCodes.Stloc, into);
    }

    private void EmitBlock(int b)
    {
        GuestBlock block = _region.Blocks[b];
        _block = block;
        _il.MarkLabel(_blockLabels[b]);
        _flags = _entryFlags[b] ??= FlagSnapshot.Locals;

        // Head: the whole block must fit the budget, and the code page's translation must still be
        // the one the dispatcher validated (a TLB change exits; the dispatcher re-validates).
        _il.Emit(OpCodes.Ldloc, _limit);
        _il.Emit(OpCodes.Ldloc, _retired);
        _il.Emit(OpCodes.Sub);
        LdcI8((ulong)block.Count);
        _il.Emit(OpCodes.Blt, AddStub(block.Ip, 0, Cpu.ExitBudget));
        _il.Emit(OpCodes.Ldloc, _tlb);
        _il.Emit(OpCodes.Volatile);
        _il.Emit(OpCodes.Ldfld, Cpu.Members.TlbGeneration);
        _il.Emit(OpCodes.Ldloc, _entrySeq);
        _il.Emit(OpCodes.Bne_Un, AddStub(block.Ip, 0, Cpu.ExitContinue));
        _il.Emit(OpCodes.Ldloc, _retired);
        LdcI8((ulong)block.Count);
        _il.Emit(OpCodes.Add);
        _il.Emit(OpCodes.Stloc, _retired);

        for (_k = 0; _k < block.Count; _k++)
        {
            _g = _region.Instructions[block.First + _k];
            _interpretHere = null;
            EmitInstruction();
        }
        switch (block.End)
        {
            case BlockEnd.FallThrough:
                Goto(block.Next, Cpu.ExitContinue);
                break;
            case BlockEnd.Interpret:
                Goto(block.Next, Cpu.ExitInterpret);
                break;
        }
    }

    private void EmitInstruction()
    {
        switch (_g.Class)
        {
            case OpClass.Nop: break;
            case OpClass.Mov: EmitMov(); break;
            case OpClass.MovExtend: EmitMovExtend(); break;
            case OpClass.Lea: EmitLea(); break;
            case OpClass.Alu: EmitAlu(); break;
            case OpClass.Unary: EmitUnary(); break;
            case OpClass.ShiftImm: EmitShiftImm(); break;
            case OpClass.ShiftCl: EmitShiftCl(); break;
            case OpClass.Imul: EmitImul(); break;
            case OpClass.Push: EmitPush(); break;
            case OpClass.Pop: EmitPop(); break;
            case OpClass.Cmov: EmitCmov(); break;
            case OpClass.Setcc: EmitSetcc(); break;
            case OpClass.XchgReg: EmitXchg(); break;
            case OpClass.Convert: EmitConvert(); break;
            case OpClass.Bswap: EmitBswap(); break;
            case OpClass.Jcc: EmitJcc(); break;
            case OpClass.Jmp: Goto(_block.Taken, Cpu.ExitContinue); break;
            case OpClass.JmpIndirect: EmitJmpIndirect(); break;
            case OpClass.Call: EmitCall(); break;
            case OpClass.CallIndirect: EmitCallIndirect(); break;
            case OpClass.Ret: EmitRet(); break;
            case OpClass.Fallback: EmitFallback(); break;
            default: throw new InvalidOperationException($"translator: unexpected {_g.Class} at {_g.Instruction.IP:x}");
        }
    }

    /// <summary>The exit stub of the current instruction: exit before it, for the interpreter.</summary>
    private Label InterpretHere() =>
        _interpretHere ??= AddStub(_g.Instruction.IP, _block.Count - _k, Cpu.ExitInterpret);

    private Label AddStub(ulong rip, int adjust, int code)
    {
        Label label = _il.DefineLabel();
        _stubs.Add(new Stub(label, rip, adjust, code, _flags));
        return label;
    }

    private void EmitStubs()
    {
        foreach (Stub s in _stubs)
        {
            _il.MarkLabel(s.Label);
            ToLocals(s.Flags);
            LdcI8(s.Rip);
            _il.Emit(OpCodes.Stloc, _exitRip);
            LdcI8((ulong)s.Adjust);
            _il.Emit(OpCodes.Stloc, _exitAdjust);
            LdcI4(s.Code);
            _il.Emit(OpCodes.Stloc, _exitCode);
            _il.Emit(OpCodes.Br, _commonExit);
        }
    }

    /// <summary>Continues at <paramref name="s"/>: a block of the region (flags passed in the CPU's
    /// record when it needs them) or an exit with <paramref name="code"/> after the current block.</summary>
    private void Goto(Successor s, int code)
    {
        if (!s.IsExit)
        {
            EnterBlock(s.Block);
            _il.Emit(OpCodes.Br, _blockLabels[s.Block]);
            return;
        }
        ToLocals(_flags);
        LdcI8(s.Rip);
        if (code == Cpu.ExitContinue)
        {
            ExitToKnownTarget();
            return;
        }
        ExitAfterBlock(code);
    }

    /// <summary>The flag state block <paramref name="b"/> is entered with, fixed now if it was not.</summary>
    private FlagSnapshot EntryFlags(int b) =>
        _entryFlags[b] ??= _preds[b] == 1 && _flags.Place != FlagPlace.Dead ? _flags : FlagSnapshot.Locals;

    /// <summary>Brings the current flag state to the one block <paramref name="b"/> is entered with.</summary>
    private void EnterBlock(int b)
    {
        if (EntryFlags(b) != _flags)
        {
            ToLocals(_flags);
        }
    }

    /// <summary>True when a branch to block <paramref name="b"/> needs no code on the edge.</summary>
    private bool DirectEdge(int b) => EntryFlags(b) == _flags;

    /// <summary>Exits after the current block with RIP on the stack.</summary>
    private void ExitAfterBlock(int code)
    {
        _il.Emit(OpCodes.Stloc, _exitRip);
        LdcI8(0);
        _il.Emit(OpCodes.Stloc, _exitAdjust);
        LdcI4(code);
        _il.Emit(OpCodes.Stloc, _exitCode);
        _il.Emit(OpCodes.Br, _commonExit);
    }

    /// <summary>Every exit arrives with its flags in the Locals place (a known state costs its
    /// stub two constant stores), so the flags are flushed to the CPU here, once per region,
    /// rather than at each of the region's exits: the JIT compiles one flush, not hundreds.</summary>
    private void EmitCommonExit()
    {
        _il.MarkLabel(_commonExit);
        FlushLocals();
        for (int r = 0; r < 16; r++)
        {
            if ((_written & (1 << r)) != 0 && _reg[r] is { } local)
            {
                _il.Emit(OpCodes.Ldloc, _regFile);
                LdcI4(r);
                _il.Emit(OpCodes.Ldloc, local);
                _il.Emit(OpCodes.Stelem_I8);
            }
        }
        LdCpu();
        _il.Emit(OpCodes.Ldfld, Cpu.Members.State);
        _il.Emit(OpCodes.Ldloc, _exitRip);
        _il.Emit(OpCodes.Callvirt, Cpu.Members.StateSetRip);
        LdCpu();
        _il.Emit(OpCodes.Ldloc, _retired);
        _il.Emit(OpCodes.Ldloc, _exitAdjust);
        _il.Emit(OpCodes.Sub);
        _il.Emit(OpCodes.Stfld, Cpu.Members.Retired);

        EmitChain();
    }

    private void LdCpu() => _il.Emit(OpCodes.Ldarg_1);

    private void LdcI4(int v) => _il.Emit(OpCodes.Ldc_I4, v);

    private void LdcI8(ulong v) => _il.Emit(OpCodes.Ldc_I8, unchecked((long)v));
}

using System.Reflection.Emit;
using Iced.Intel;
using Label = System.Reflection.Emit.Label;

namespace Emulator.Core.Cpu.Translate;

/// <summary>Control transfers: branches inside the region are IL branches; everything else exits
/// with the target as RIP (<see cref="Cpu.ExitContinue"/>) and chains to the region there.</summary>
internal sealed partial class RegionEmitter
{
    /// <summary>Exits to a constant target emitted so far: each has a slot in <see cref="TranslatedRegion.Links"/>.</summary>
    private int _links;

    private void EmitJcc()
    {
        Successor taken = _block.Taken;
        EmitCondition(_g.Instruction.ConditionCode);
        if (!taken.IsExit && DirectEdge(taken.Block))
        {
            _il.Emit(OpCodes.Brtrue, _blockLabels[taken.Block]);
            Goto(_block.Next, Cpu.ExitContinue);
            return;
        }
        Label t = _il.DefineLabel();
        _il.Emit(OpCodes.Brtrue, t);
        Goto(_block.Next, Cpu.ExitContinue);
        _il.MarkLabel(t);
        Goto(taken, Cpu.ExitContinue);
    }

    /// <summary>JMP r64 / m64: the target is read (may exit) before anything changes.</summary>
    private void EmitJmpIndirect()
    {
        LoadSource(0, 8);
        _il.Emit(OpCodes.Stloc, _vc);
        ToLocals(_flags);
        _il.Emit(OpCodes.Ldloc, _vc);
        ExitAfterBlock(Cpu.ExitContinue);
    }

    /// <summary>CALL rel32: push the return address, exit to the target.</summary>
    private void EmitCall()
    {
        LdcI8(_g.Instruction.NextIP);
        _il.Emit(OpCodes.Stloc, _vr);
        PushValue(_vr);
        ToLocals(_flags);
        LdcI8(_g.Instruction.NearBranch64);
        ExitToKnownTarget();
    }

    /// <summary>Exits after the current block to the constant target on the stack (a direct branch
    /// or call leaving the region, a fall-through out of it) through a link of its own.</summary>
    private void ExitToKnownTarget()
    {
        LdcI4(++_links);
        _il.Emit(OpCodes.Stloc, _exitLink);
        ExitAfterBlock(Cpu.ExitContinue);
    }

    /// <summary>The end of the common exit (state written back): an <see cref="Cpu.ExitContinue"/>
    /// tail-calls the region at RIP when the exit's link (direct targets) or the CPU's chaining
    /// cache (any target) knows one (Cpu.Chain.cs); anything else returns the exit code.</summary>
    private void EmitChain()
    {
        Label done = _il.DefineLabel(), lookup = _il.DefineLabel(), enter = _il.DefineLabel();
        LocalBuilder next = _il.DeclareLocal(typeof(TranslatedRegion));
        _il.Emit(OpCodes.Ldloc, _exitCode);
        _il.Emit(OpCodes.Brtrue, done); // ExitContinue is 0
        if (_links > 0)
        {
            _il.Emit(OpCodes.Ldloc, _exitLink);
            _il.Emit(OpCodes.Brfalse, lookup);
            LdCpu();
            _il.Emit(OpCodes.Ldarg_0);
            _il.Emit(OpCodes.Ldloc, _exitLink);
            LdcI4(1);
            _il.Emit(OpCodes.Sub);
            _il.Emit(OpCodes.Ldloc, _exitRip);
            _il.Emit(OpCodes.Call, Cpu.ChainMembers.NextLinked);
            _il.Emit(OpCodes.Br, enter);
        }
        _il.MarkLabel(lookup);
        LdCpu();
        _il.Emit(OpCodes.Ldloc, _exitRip);
        _il.Emit(OpCodes.Call, Cpu.ChainMembers.Next);
        _il.MarkLabel(enter);
        _il.Emit(OpCodes.Stloc, next);
        _il.Emit(OpCodes.Ldloc, next);
        _il.Emit(OpCodes.Brfalse, done);
        _il.Emit(OpCodes.Ldloc, next);
        _il.Emit(OpCodes.Ldfld, Cpu.ChainMembers.Run);
        LdCpu();
        _il.Emit(OpCodes.Tailcall);
        _il.Emit(OpCodes.Callvirt, Cpu.ChainMembers.Invoke);
        _il.Emit(OpCodes.Ret);
        _il.MarkLabel(done);
        _il.Emit(OpCodes.Ldloc, _exitCode);
        _il.Emit(OpCodes.Ret);
    }

    /// <summary>CALL r64 / m64: the target is read, then the return-address store translated,
    /// before RSP changes.</summary>
    private void EmitCallIndirect()
    {
        LoadSource(0, 8);
        _il.Emit(OpCodes.Stloc, _vc);
        LdcI8(_g.Instruction.NextIP);
        _il.Emit(OpCodes.Stloc, _vr);
        PushValue(_vr);
        ToLocals(_flags);
        _il.Emit(OpCodes.Ldloc, _vc);
        ExitAfterBlock(Cpu.ExitContinue);
    }

    /// <summary>RET and RET imm16.</summary>
    private void EmitRet()
    {
        ref readonly Instruction i = ref _g.Instruction;
        LocalBuilder rsp = _reg[4]!;
        EmitHostRef(rsp, 8, write: false);
        LoadHost(8);
        _il.Emit(OpCodes.Stloc, _vc);
        _il.Emit(OpCodes.Ldloc, rsp);
        LdcI8(8UL + (i.Code == Code.Retnq_imm16 ? i.Immediate16 : 0UL));
        _il.Emit(OpCodes.Add);
        _il.Emit(OpCodes.Stloc, rsp);
        ToLocals(_flags);
        _il.Emit(OpCodes.Ldloc, _vc);
        ExitAfterBlock(Cpu.ExitContinue);
    }
}

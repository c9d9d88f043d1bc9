using System.Reflection.Emit;
using Iced.Intel;
using Label = System.Reflection.Emit.Label;

namespace Emulator.Core.Cpu.Translate;

/// <summary>Control transfers: branches inside the region are IL branches; everything else exits
/// with the target as RIP (<see cref="Cpu.ExitContinue"/>).</summary>
internal sealed partial class RegionEmitter
{
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
        Flush(_flags);
        _il.Emit(OpCodes.Ldloc, _vc);
        ExitAfterBlock(Cpu.ExitContinue);
    }

    /// <summary>CALL rel32: push the return address, exit to the target.</summary>
    private void EmitCall()
    {
        LdcI8(_g.Instruction.NextIP);
        _il.Emit(OpCodes.Stloc, _vr);
        PushValue(_vr);
        Flush(_flags);
        LdcI8(_g.Instruction.NearBranch64);
        ExitAfterBlock(Cpu.ExitContinue);
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
        Flush(_flags);
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
        Flush(_flags);
        _il.Emit(OpCodes.Ldloc, _vc);
        ExitAfterBlock(Cpu.ExitContinue);
    }
}

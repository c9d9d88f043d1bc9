using System.Reflection.Emit;
using Iced.Intel;
using Label = System.Reflection.Emit.Label;

namespace Emulator.Core.Cpu.Translate;

/// <summary>Instructions the region executes through the interpreter's handler (<see cref="OpClass.Fallback"/>).</summary>
internal sealed partial class RegionEmitter
{
    /// <summary>
    /// An instruction the region executes through the interpreter's handler: the registers it uses
    /// and the region may have changed are written to the register file; the flags and the retired
    /// count (RDTSC reads it) go to the CPU as arguments of the call; the registers it writes are
    /// reloaded afterwards. A false return (a fault, #UD...) changed nothing: exit before it.
    /// </summary>
    private void EmitFallback()
    {
        InstructionInfo info = Info.GetInfo(in _g.Instruction);
        int uses = 0, writes = 0;
        foreach (UsedRegister u in info.GetUsedRegisters())
        {
            int slot = GprSlot(u.Register);
            if (slot >= 0)
            {
                uses |= 1 << slot;
                if (IsWrite(u.Access))
                {
                    writes |= 1 << slot;
                }
            }
        }
        for (int r = 0; r < 16; r++)
        {
            if ((uses & _written & (1 << r)) != 0)
            {
                _il.Emit(OpCodes.Ldloc, _regFile);
                LdcI4(r);
                _il.Emit(OpCodes.Ldloc, _reg[r]!);
                _il.Emit(OpCodes.Stelem_I8);
            }
        }
        Label fail = InterpretHere();
        LdCpu();
        _il.Emit(OpCodes.Ldarg_0);
        _il.Emit(OpCodes.Ldfld, typeof(TranslatedRegion).GetField(nameof(TranslatedRegion.Fallbacks))!);
        LdcI4(_fallbacks.Count);
        _il.Emit(OpCodes.Ldelema, typeof(Instruction));
        _il.Emit(OpCodes.Ldloc, _retired);
        LdcI8((ulong)(_block.Count - _k));
        _il.Emit(OpCodes.Sub);
        LoadFlagRecord(_flags);
        _il.Emit(OpCodes.Call, Cpu.Members.Execute);
        _il.Emit(OpCodes.Brfalse, fail);
        LoadFlags();
        _fallbacks.Add(_g.Instruction);
        for (int r = 0; r < 16; r++)
        {
            if ((writes & (1 << r)) != 0)
            {
                _il.Emit(OpCodes.Ldloc, _regFile);
                LdcI4(r);
                _il.Emit(OpCodes.Ldelem_I8);
                _il.Emit(OpCodes.Stloc, _reg[r]!);
            }
        }
        if (WritesMemory(info))
        {
            // The handler's store may have hit this region's own page and dropped its code: the rest
            // of the region was compiled from the old bytes. Exit after the instruction, so the next
            // one is fetched (and decoded) afresh, as on hardware.
            LdCpu();
            _il.Emit(OpCodes.Ldfld, Cpu.Members.CodePage);
            _il.Emit(OpCodes.Ldfld, Cpu.Members.PageDead);
            _il.Emit(OpCodes.Brtrue, AddStub(_g.Instruction.NextIP, _block.Count - _k - 1, Cpu.ExitContinue));
        }
    }

    private static bool WritesMemory(InstructionInfo info)
    {
        foreach (UsedMemory m in info.GetUsedMemory())
        {
            if (IsWrite(m.Access))
            {
                return true;
            }
        }
        return false;
    }
}

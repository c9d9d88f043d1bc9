using System.Buffers.Binary;
using Emulator.Core.Cpu.X87;
using Iced.Intel;

namespace Emulator.Core.Cpu;

/// <summary>x87 control instructions (SDM Vol. 2A FNSTCW/FLDCW, FNSTSW, FNCLEX, FNINIT, FNSTENV/FLDENV,
/// FNSAVE/FRSTOR, FWAIT, FNOP and the 8087/287 no-ops FENI/FDISI/FSETPM).</summary>
public sealed partial class Cpu
{
    /// <summary>The CS selector FNSTENV/FNSAVE/FXSAVE store as FCS (Linux's 64-bit user CS, as on the host).</summary>
    private const ushort UserCs = 0x33;

    private bool ExecX87Control(in Instruction i, Mnemonic m)
    {
        X87State f = _state.Fpu;
        switch (m)
        {
            case Mnemonic.Fnstcw:
            case Mnemonic.Fstcw:
                return Write(Ea(i), 2, f.ControlWord);
            case Mnemonic.Fldcw:
                if (!Read(Ea(i), 2, out ulong cw))
                {
                    return false;
                }
                X87LoadControlWord((ushort)cw);
                return true;
            case Mnemonic.Fnstsw:
            case Mnemonic.Fstsw:
                if (i.Op0Kind == OpKind.Register)
                {
                    SetReg(Register.AX, f.StatusWord);
                    return true;
                }
                return Write(Ea(i), 2, f.StatusWord);
            case Mnemonic.Fnclex:
            case Mnemonic.Fclex:
                f.StatusWord &= 0x7F00;
                return true;
            case Mnemonic.Fninit:
            case Mnemonic.Finit:
                f.Reset();
                return true;
            case Mnemonic.Fnstenv:
            case Mnemonic.Fstenv:
            case Mnemonic.Fnsave:
            case Mnemonic.Fsave:
                return ExecFnsave(i, m is Mnemonic.Fnsave or Mnemonic.Fsave);
            case Mnemonic.Fldenv:
            case Mnemonic.Frstor:
                return ExecFrstor(i, m == Mnemonic.Frstor);
            default:
                return true; // FWAIT (the check was made), FNOP, FENI, FDISI, FSETPM
        }
    }

    /// <summary>FLDCW: reserved bits 15:13 read as 0 and bit 6 as 1 (as on the host); ES and B follow
    /// whether a flagged exception is now unmasked, so unmasking one raises #MF at the next waiting
    /// instruction (SDM Vol. 1 §8.6).</summary>
    private void X87LoadControlWord(ushort cw)
    {
        X87State f = _state.Fpu;
        f.ControlWord = (ushort)((cw & 0x1F3F) | 0x40);
        X87UpdateEs();
    }

    /// <summary>ES and B = any exception flag set whose mask bit is clear.</summary>
    private void X87UpdateEs()
    {
        X87State f = _state.Fpu;
        bool pending = (f.StatusWord & ~f.ControlWord & 0x3F) != 0;
        f.StatusWord = (ushort)(pending ? f.StatusWord | FswEs | FswBusy : f.StatusWord & ~(FswEs | FswBusy));
    }

    /// <summary>FNSTENV (28 bytes, or 14 with a 0x66 prefix) and FNSAVE (the environment, then ST(0)..ST(7)
    /// in 10-byte form, then FNINIT). Protected-mode layouts (SDM Vol. 1 Figures 8-9, 8-10); the reserved
    /// halves of the 28-byte form are written as 0xFFFF, as the host does. FNSTENV then masks every
    /// exception.</summary>
    private bool ExecFnsave(in Instruction i, bool save)
    {
        bool small = i.MemorySize is MemorySize.FpuEnv14 or MemorySize.FpuState94;
        int envSize = small ? 14 : 28;
        Span<byte> b = stackalloc byte[108];
        b.Clear();
        X87WriteEnvironment(b, small);
        int size = envSize;
        if (save)
        {
            for (int k = 0; k < 8; k++)
            {
                St(k).Write(b.Slice(envSize + 10 * k, 10));
            }
            size += 80;
        }
        if (!WriteBytes(Ea(i), b[..size]))
        {
            return false;
        }
        if (save)
        {
            _state.Fpu.Reset();
        }
        else
        {
            _state.Fpu.ControlWord |= 0x3F;
        }
        return true;
    }

    private void X87WriteEnvironment(Span<byte> b, bool small)
    {
        X87State f = _state.Fpu;
        if (small)
        {
            BinaryPrimitives.WriteUInt16LittleEndian(b, f.ControlWord);
            BinaryPrimitives.WriteUInt16LittleEndian(b[2..], f.StatusWord);
            BinaryPrimitives.WriteUInt16LittleEndian(b[4..], _state.Fpu.FullTagWord());
            BinaryPrimitives.WriteUInt16LittleEndian(b[6..], (ushort)f.LastInstructionPointer);
            BinaryPrimitives.WriteUInt16LittleEndian(b[8..], UserCs);
            BinaryPrimitives.WriteUInt16LittleEndian(b[10..], (ushort)f.LastDataPointer);
            return;
        }
        BinaryPrimitives.WriteUInt32LittleEndian(b, 0xFFFF_0000u | f.ControlWord);
        BinaryPrimitives.WriteUInt32LittleEndian(b[4..], 0xFFFF_0000u | f.StatusWord);
        BinaryPrimitives.WriteUInt32LittleEndian(b[8..], 0xFFFF_0000u | _state.Fpu.FullTagWord());
        BinaryPrimitives.WriteUInt32LittleEndian(b[12..], (uint)f.LastInstructionPointer);
        BinaryPrimitives.WriteUInt32LittleEndian(b[16..], ((uint)(f.LastOpcode & 0x7FF) << 16) | UserCs);
        BinaryPrimitives.WriteUInt32LittleEndian(b[20..], (uint)f.LastDataPointer);
        BinaryPrimitives.WriteUInt32LittleEndian(b[24..], 0xFFFF_0000u);
    }

    /// <summary>FLDENV and FRSTOR: loads what FNSTENV/FNSAVE store. Only "empty or not" is taken from the
    /// tag word; the tags of non-empty registers are recomputed from their contents.</summary>
    private bool ExecFrstor(in Instruction i, bool restore)
    {
        bool small = i.MemorySize is MemorySize.FpuEnv14 or MemorySize.FpuState94;
        int envSize = small ? 14 : 28;
        Span<byte> b = stackalloc byte[108];
        int size = envSize + (restore ? 80 : 0);
        if (!ReadBytes(Ea(i), b[..size]))
        {
            return false;
        }
        X87State f = _state.Fpu;
        int step = small ? 2 : 4;
        ushort fcw = BinaryPrimitives.ReadUInt16LittleEndian(b);
        f.StatusWord = BinaryPrimitives.ReadUInt16LittleEndian(b[step..]);
        ushort tw = BinaryPrimitives.ReadUInt16LittleEndian(b[(2 * step)..]);
        if (small)
        {
            f.LastInstructionPointer = BinaryPrimitives.ReadUInt16LittleEndian(b[6..]);
            f.LastDataPointer = BinaryPrimitives.ReadUInt16LittleEndian(b[10..]);
        }
        else
        {
            f.LastInstructionPointer = BinaryPrimitives.ReadUInt32LittleEndian(b[12..]);
            f.LastOpcode = (ushort)(BinaryPrimitives.ReadUInt16LittleEndian(b[18..]) & 0x7FF);
            f.LastDataPointer = BinaryPrimitives.ReadUInt32LittleEndian(b[20..]);
        }
        if (restore)
        {
            for (int k = 0; k < 8; k++)
            {
                Ext80 v = Ext80.Read(b.Slice(envSize + 10 * k, 10));
                int p = X87Phys(k);
                f.Significand[p] = v.Significand;
                f.SignExponent[p] = v.SignExponent;
            }
        }
        byte nonEmpty = 0;
        for (int p = 0; p < 8; p++)
        {
            nonEmpty |= (byte)(((tw >> (2 * p)) & 3) != 3 ? 1 << p : 0);
        }
        f.LoadTags(nonEmpty);
        f.ControlWord = (ushort)((fcw & 0x1F3F) | 0x40);
        X87UpdateEs();
        return true;
    }
}

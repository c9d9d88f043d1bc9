using System.Runtime.CompilerServices;
using Emulator.Core.Cpu.X87;
using Iced.Intel;

namespace Emulator.Core.Cpu;

/// <summary>The x87 register stack (SDM Vol. 1 §8.1.2): ST(i) is physical register (TOP + i) mod 8;
/// a push decrements TOP. Tags are kept in full form and recomputed from the value on every write.</summary>
public sealed partial class Cpu
{
    private const ushort FswEs = 0x0080, FswBusy = 0x8000, FswC0 = 0x0100, FswC1 = 0x0200, FswC2 = 0x0400, FswC3 = 0x4000;
    private const ushort FswConditions = FswC0 | FswC1 | FswC2 | FswC3;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private int X87Phys(int i) => (_state.Fpu.Top + i) & 7;

    /// <summary>ST(<paramref name="i"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private Ext80 St(int i)
    {
        int p = X87Phys(i);
        return new Ext80(_state.Fpu.Significand[p], _state.Fpu.SignExponent[p]);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool StEmpty(int i) => ((_state.Fpu.TagWord >> (2 * X87Phys(i))) & 3) == 3;

    /// <summary>Writes ST(<paramref name="i"/>) and its tag.</summary>
    private void SetSt(int i, Ext80 v) => SetPhys(X87Phys(i), v);

    private void SetPhys(int p, Ext80 v)
    {
        X87State f = _state.Fpu;
        f.Significand[p] = v.Significand;
        f.SignExponent[p] = v.SignExponent;
        f.TagWord = (ushort)((f.TagWord & ~(3 << (2 * p))) | (v.Tag << (2 * p)));
    }

    private void X87Push(Ext80 v)
    {
        _state.Fpu.Top = _state.Fpu.Top - 1;
        SetSt(0, v);
    }

    /// <summary>Marks ST(0) empty and increments TOP.</summary>
    private void X87Pop()
    {
        X87State f = _state.Fpu;
        f.TagWord |= (ushort)(3 << (2 * f.Top));
        f.Top = f.Top + 1;
    }

    /// <summary>The register a push would write (ST(7)) holds a value: #IS overflow.</summary>
    private bool X87PushOverflows => StEmpty(7) == false;

    /// <summary>A context for the current FCW.</summary>
    private X87Context X87Ctx() => X87Context.FromControlWord(_state.Fpu.ControlWord);

    /// <summary>A stack fault: IE and SF, C1 = 1 for overflow and 0 for underflow (SDM Vol. 1 §8.5.1.1).</summary>
    private static void StackFault(ref X87Context c, bool overflow) =>
        c.Flags |= X87Exceptions.Invalid | X87Exceptions.StackFault | (overflow ? X87Exceptions.RoundedUp : 0);

    /// <summary>Whether IE is masked (the masked response to a stack fault writes the indefinite).</summary>
    private bool X87InvalidMasked => (_state.Fpu.ControlWord & 1) != 0;

    /// <summary>Folds an instruction's flags into FSW: the sticky exception flags and SF, C1 (when the
    /// instruction defines it as "rounded up", else <paramref name="setC1"/> false keeps it), and ES/B
    /// when any raised exception is unmasked (#MF at the next waiting instruction).</summary>
    private void X87Commit(X87Exceptions flags, bool setC1 = true)
    {
        X87State f = _state.Fpu;
        int sw = f.StatusWord | ((int)flags & 0x7F);
        if (setC1)
        {
            sw = (sw & ~FswC1) | ((int)flags & FswC1);
        }
        if (((int)flags & ~f.ControlWord & 0x3F) != 0)
        {
            sw |= FswEs | FswBusy;
        }
        f.StatusWord = (ushort)sw;
    }

    /// <summary>Sets C3, C2, C1, C0 from the low bits of <paramref name="c3c2c1c0"/> (bit 3 = C3 ... bit 0 = C0).</summary>
    private void X87SetConditions(int c3c2c1c0)
    {
        X87State f = _state.Fpu;
        int sw = f.StatusWord & ~FswConditions;
        sw |= (c3c2c1c0 & 1) << 8 | ((c3c2c1c0 >> 1) & 1) << 9 | ((c3c2c1c0 >> 2) & 1) << 10 | ((c3c2c1c0 >> 3) & 1) << 14;
        f.StatusWord = (ushort)sw;
    }

    /// <summary>Records FIP, FDP and FOP for a non-control instruction (SDM Vol. 1 §8.1.8–§8.1.9).</summary>
    private void X87Record(in Instruction i, ulong ea)
    {
        X87State f = _state.Fpu;
        f.LastInstructionPointer = i.IP;
        f.LastDataPointer = ea;
        f.LastOpcode = X87Fop(i);
    }

    /// <summary>FOP: the low 3 bits of the opcode byte and the ModR/M byte. Register forms are the two
    /// opcode bytes Iced knows (plus i for the ST(i) forms); for a memory operand the ModR/M byte is
    /// rebuilt from the decoded operand (mod from the displacement size, r/m from the base register,
    /// 100 for a SIB, 101 for RIP-relative).</summary>
    private static ushort X87Fop(in Instruction i)
    {
        OpCodeInfo info = i.Code.ToOpCode();
        uint opcode = info.OpCode;
        if (i.OpCount > 0 && i.Op0Kind == OpKind.Memory)
        {
            int reg = info.GroupIndex < 0 ? 0 : info.GroupIndex;
            Register b = i.MemoryBase;
            int rm = b == Register.RIP ? 5 : i.MemoryIndex != Register.None || b == Register.None ? 4 : (b.GetNumber() & 7);
            int mod = b == Register.RIP || b == Register.None ? 0 : i.MemoryDisplSize switch { 0 => 0, 1 => 1, _ => 2 };
            return (ushort)(((opcode & 7) << 8) | (uint)((mod << 6) | (reg << 3) | rm));
        }
        int sti = 0;
        for (int k = 0; k < i.OpCount; k++)
        {
            if (i.GetOpKind(k) == OpKind.Register && i.GetOpRegister(k) is >= Register.ST1 and <= Register.ST7)
            {
                sti = i.GetOpRegister(k) - Register.ST0;
            }
        }
        return (ushort)((((opcode >> 8) & 7) << 8) | ((opcode & 0xFF) + (uint)sti));
    }

    /// <summary>The ST register index of operand <paramref name="op"/> (ST0..ST7).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int StIndex(in Instruction i, int op) => i.GetOpRegister(op) - Register.ST0;
}

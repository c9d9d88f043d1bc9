using Emulator.Core.Cpu.X87;

namespace Emulator.Core.Cpu;

/// <summary>
/// The x87 FPU state (SDM Vol. 1 §8.1): eight 80-bit data registers R0–R7 in physical order, the
/// control, status and tag words, and the last-instruction fields FXSAVE stores. The MMX registers
/// MM0–MM7 alias the significands of R0–R7 (SDM Vol. 1 §9.5).
/// </summary>
/// <remarks>Owned by the vCPU's thread, like <see cref="CpuState"/>.</remarks>
public sealed class X87State
{
    /// <summary>Significand (bit 63 is the explicit integer bit) of each physical register.</summary>
    internal readonly ulong[] Significand = new ulong[8];

    /// <summary>Sign (bit 15) and biased exponent (bits 14:0) of each physical register.</summary>
    internal readonly ushort[] SignExponent = new ushort[8];

    /// <summary>FCW. FNINIT value 0x037F: all exceptions masked, 64-bit precision, round to nearest.</summary>
    public ushort ControlWord { get; set; } = ControlWordDefault;

    /// <summary>FSW, TOP in bits 13:11.</summary>
    public ushort StatusWord { get; set; }

    /// <summary>The full tag word (2 bits per physical register: 00 valid, 01 zero, 10 special,
    /// 11 empty), as FSTENV stores it; FXSAVE stores its abridged form.</summary>
    public ushort TagWord { get; set; } = 0xFFFF;

    /// <summary>FOP: the last non-control instruction's opcode (11 bits).</summary>
    public ushort LastOpcode { get; set; }

    /// <summary>FIP: the last non-control instruction's address.</summary>
    public ulong LastInstructionPointer { get; set; }

    /// <summary>FDP: the last non-control instruction's memory operand address.</summary>
    public ulong LastDataPointer { get; set; }

    /// <summary>FCW after FNINIT.</summary>
    public const ushort ControlWordDefault = 0x037F;

    /// <summary>TOP, the physical index of ST(0).</summary>
    public int Top
    {
        get => (StatusWord >> 11) & 7;
        set => StatusWord = (ushort)((StatusWord & ~(7 << 11)) | ((value & 7) << 11));
    }

    /// <summary>FNINIT (and execve): FCW 0x037F, FSW 0, all registers empty, the pointers 0.</summary>
    public void Reset()
    {
        ControlWord = ControlWordDefault;
        StatusWord = 0;
        TagWord = 0xFFFF;
        LastOpcode = 0;
        LastInstructionPointer = 0;
        LastDataPointer = 0;
        Array.Clear(Significand);
        Array.Clear(SignExponent);
    }

    /// <summary>Physical register <paramref name="p"/> (R0–R7) as a value.</summary>
    internal Ext80 Register(int p) => new(Significand[p], SignExponent[p]);

    /// <summary>The full tag word with each non-empty register's tag computed from its contents (what
    /// FNSTENV, FNSAVE and XSAVE's abridging start from; the MMX code marks registers non-empty with 00).</summary>
    internal ushort FullTagWord()
    {
        int tw = 0;
        for (int p = 0; p < 8; p++)
        {
            int t = (TagWord >> (2 * p)) & 3;
            tw |= (t == 3 ? 3 : Register(p).Tag) << (2 * p);
        }
        return (ushort)tw;
    }

    /// <summary>FXSAVE's abridged tag byte: bit p set when physical register p is not empty (SDM Vol. 1 §10.5.1.1).</summary>
    internal byte AbridgedTagWord()
    {
        int b = 0;
        for (int p = 0; p < 8; p++)
        {
            if (((TagWord >> (2 * p)) & 3) != 3)
            {
                b |= 1 << p;
            }
        }
        return (byte)b;
    }

    /// <summary>Sets the tags from "empty or not" (<paramref name="nonEmpty"/> bit p), computing each
    /// non-empty register's tag from its contents, as FXRSTOR and FLDENV do.</summary>
    internal void LoadTags(byte nonEmpty)
    {
        int tw = 0;
        for (int p = 0; p < 8; p++)
        {
            tw |= ((nonEmpty >> p & 1) != 0 ? Register(p).Tag : 3) << (2 * p);
        }
        TagWord = (ushort)tw;
    }

    /// <summary>Copies the whole state into <paramref name="to"/>.</summary>
    public void CopyTo(X87State to)
    {
        ArgumentNullException.ThrowIfNull(to);
        Significand.CopyTo(to.Significand, 0);
        SignExponent.CopyTo(to.SignExponent, 0);
        to.ControlWord = ControlWord;
        to.StatusWord = StatusWord;
        to.TagWord = TagWord;
        to.LastOpcode = LastOpcode;
        to.LastInstructionPointer = LastInstructionPointer;
        to.LastDataPointer = LastDataPointer;
    }
}

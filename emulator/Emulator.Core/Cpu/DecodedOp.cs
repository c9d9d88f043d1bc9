using System.Runtime.InteropServices;

namespace Emulator.Core.Cpu;

/// <summary>
/// Tier 0's compact form of one decoded instruction: which handler runs it and everything that
/// handler needs, resolved once when the instruction is decoded (register-file slots, the operand
/// size, the immediate or branch target, the memory operand's shape), so executing it reads no
/// Iced accessor. Made by <see cref="Cpu.PreDecode"/>; held beside the Iced
/// <see cref="Iced.Intel.Instruction"/> in <see cref="CodePage.Ops"/>.
/// </summary>
/// <remarks>
/// Only the common integer forms get a handler of their own (<see cref="Tier0Op"/>); every other
/// instruction is <see cref="Tier0Op.Generic"/> and runs through the reference handlers
/// (<c>Cpu.Execute</c>) on its Iced instruction. A fast handler computes exactly what the reference
/// handler computes, faults included (the differential fuzzer compares the two). 32 bytes.
/// </remarks>
[StructLayout(LayoutKind.Sequential)]
internal struct DecodedOp
{
    /// <summary>The immediate (sign-extended as encoded, then truncated to <see cref="Size"/>), the
    /// branch target, or RET's stack adjustment.</summary>
    public ulong Imm;

    /// <summary>The memory operand's displacement (absolute for a RIP-relative operand).</summary>
    public ulong Disp;

    /// <summary>Index of the instruction in <see cref="CodePage.Instructions"/> (−1: the CPU's
    /// scratch instruction).</summary>
    public int Index;

    public Tier0Op Handler;

    /// <summary>The instruction's length in bytes.</summary>
    public byte Length;

    /// <summary>The operand size in bytes (1, 2, 4, 8).</summary>
    public byte Size;

    /// <summary>Per handler: the <c>AluOp</c>, the condition code, the source size of a widening
    /// move, which unary operation, the <c>ShiftKind</c>.</summary>
    public byte Sub;

    /// <summary>Destination register slot (<see cref="Cpu.ZeroSlot"/> for none) and its bit position
    /// (8 for AH, CH, DH, BH).</summary>
    public byte Dst;
    public byte DstShift;

    /// <summary>Source register slot and bit position.</summary>
    public byte Src;
    public byte SrcShift;

    /// <summary>Memory operand: base and index register slots (<see cref="Cpu.ZeroSlot"/> for none
    /// and for RIP) and the index's scale as a shift count.</summary>
    public byte Base;
    public byte IndexReg;
    public byte Scale;

    public OpFlags Flags;
}

/// <summary>Properties of a <see cref="DecodedOp"/>.</summary>
[Flags]
internal enum OpFlags : byte
{
    None = 0,

    /// <summary>The effective address is truncated to 32 bits (a 0x67 prefix).</summary>
    Address32 = 1,

    /// <summary>The FS base is added to the effective address.</summary>
    Fs = 2,

    /// <summary>The GS base is added to the effective address.</summary>
    Gs = 4,

    /// <summary>The instruction may change RIP other than by falling through (Iced's flow control
    /// is not <c>Next</c>): the next instruction is a block head.</summary>
    Branch = 8,

    /// <summary>Any of <see cref="Address32"/>, <see cref="Fs"/>, <see cref="Gs"/>.</summary>
    AddressAdjust = Address32 | Fs | Gs,
}

/// <summary>Tier 0's handlers. R = a general-purpose register, M = memory, I = an immediate; the
/// destination first. The MOV and ALU forms keep the order RR, RI, RM, MR, MI (<c>Cpu.TwoOperand</c>).</summary>
internal enum Tier0Op : byte
{
    /// <summary>The reference handler on the Iced instruction.</summary>
    Generic,
    Nop,
    MovRR,
    MovRI,
    MovRM,
    MovMR,
    MovMI,
    AluRR,
    AluRI,
    AluRM,
    AluMR,
    AluMI,
    Lea,
    MovzxRR,
    MovzxRM,
    MovsxRR,
    MovsxRM,
    CmovRR,
    CmovRM,
    SetccR,
    UnaryR,
    ShiftRI,
    ShiftRC,
    Jcc,
    Jmp,
    Call,
    Ret,
    PushR,
    PopR,
}

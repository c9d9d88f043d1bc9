namespace Emulator.Core.Cpu.Translate;

/// <summary>How the translator handles one guest instruction (decided once, at decode).</summary>
internal enum OpClass : byte
{
    /// <summary>Not executed by the region: the region exits before it and the interpreter runs it
    /// (syscall, int3, rep string instructions, control flow the emitter does not know, an
    /// undecodable or page-crossing instruction). Always ends a block.</summary>
    Interpret,

    /// <summary>Executed by calling the interpreter's handler from the region (the vector, x87 and
    /// rarer integer instructions): registers are written back before and reloaded after.</summary>
    Fallback,

    Nop,
    Mov,
    MovExtend,
    Lea,
    Alu,
    Unary,

    /// <summary>SHL/SAL, SHR, SAR, ROL, ROR by an immediate (the 1-forms included).</summary>
    ShiftImm,

    /// <summary>SHL/SAL, SHR, SAR, ROL, ROR by CL: the count, and so whether any flag changes, is
    /// known at run time only.</summary>
    ShiftCl,
    Imul,
    Push,
    Pop,
    Cmov,
    Setcc,
    XchgReg,
    Convert,
    Bswap,

    // Control flow: always ends a block.
    Jcc,
    Jmp,
    JmpIndirect,
    Call,
    CallIndirect,
    Ret,
}

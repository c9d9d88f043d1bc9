using Iced.Intel;

namespace Emulator.Core.Cpu.Translate;

/// <summary>
/// Decides, per decoded instruction, whether the emitter translates it natively, calls the
/// interpreter's handler for it, or leaves it to the interpreter outside the region; and which
/// status flags it reads and always writes, as this CPU implements it (the flag liveness input).
/// </summary>
internal static class InstructionClassifier
{
    public const ulong CF = (ulong)RFlags.CF;
    public const ulong PF = (ulong)RFlags.PF;
    public const ulong AF = (ulong)RFlags.AF;
    public const ulong ZF = (ulong)RFlags.ZF;
    public const ulong SF = (ulong)RFlags.SF;
    public const ulong OF = (ulong)RFlags.OF;
    public const ulong Status = (ulong)RFlags.Status;

    /// <summary>Classifies <paramref name="i"/>.</summary>
    public static OpClass Classify(in Instruction i, out ulong used, out ulong defined)
    {
        used = 0;
        defined = 0;
        if (i.Code == Code.INVALID)
        {
            return OpClass.Interpret;
        }
        OpClass c = ClassifyCore(in i, ref used, ref defined);
        if (c == OpClass.Fallback || c == OpClass.Interpret)
        {
            // The handler (or the interpreter after the exit) may read any flag and, as far as the
            // region knows, writes none: the record must be complete before it runs.
            used = Status;
            defined = 0;
        }
        else if (MayFault(in i, c))
        {
            // A fault exits before the instruction: the flags must be exact there.
            used = Status;
        }
        return c;
    }

    /// <summary>Status flags a condition code reads (SDM Vol. 1 Appendix B).</summary>
    public static ulong ConditionFlags(ConditionCode cc) => cc switch
    {
        ConditionCode.o or ConditionCode.no => OF,
        ConditionCode.b or ConditionCode.ae => CF,
        ConditionCode.e or ConditionCode.ne => ZF,
        ConditionCode.be or ConditionCode.a => CF | ZF,
        ConditionCode.s or ConditionCode.ns => SF,
        ConditionCode.p or ConditionCode.np => PF,
        ConditionCode.l or ConditionCode.ge => SF | OF,
        ConditionCode.le or ConditionCode.g => ZF | SF | OF,
        _ => Status,
    };

    /// <summary>True when the instruction touches memory (a natively translated one can exit only
    /// through a failed translation).</summary>
    private static bool MayFault(in Instruction i, OpClass c)
    {
        switch (c)
        {
            case OpClass.Push:
            case OpClass.Pop:
            case OpClass.Call:
            case OpClass.CallIndirect:
            case OpClass.Ret:
                return true;
            case OpClass.Nop:
            case OpClass.Lea:
                return false;
        }
        for (int n = 0; n < i.OpCount; n++)
        {
            if (i.GetOpKind(n) == OpKind.Memory)
            {
                return true;
            }
        }
        return false;
    }

    private static bool IsGpr(Register r) => r != Register.None && r.IsGPR();

    /// <summary>A general-purpose memory operand this emitter computes (base/index GPRs or RIP,
    /// no vector index).</summary>
    private static bool IsPlainMemory(in Instruction i) =>
        (i.MemoryBase == Register.None || i.MemoryBase == Register.RIP || i.MemoryBase == Register.EIP || IsGpr(i.MemoryBase))
        && (i.MemoryIndex == Register.None || IsGpr(i.MemoryIndex))
        && i.SegmentPrefix is Register.None or Register.FS or Register.GS or Register.DS or Register.SS or Register.ES or Register.CS;

    /// <summary>A GPR, immediate or plain memory operand <paramref name="n"/>.</summary>
    private static bool IsSimpleOperand(in Instruction i, int n)
    {
        OpKind k = i.GetOpKind(n);
        return k switch
        {
            OpKind.Register => IsGpr(i.GetOpRegister(n)),
            OpKind.Memory => IsPlainMemory(in i),
            OpKind.Immediate8 or OpKind.Immediate16 or OpKind.Immediate32 or OpKind.Immediate64
                or OpKind.Immediate8to16 or OpKind.Immediate8to32 or OpKind.Immediate8to64 or OpKind.Immediate32to64 => true,
            _ => false,
        };
    }

    private static bool AllSimple(in Instruction i)
    {
        for (int n = 0; n < i.OpCount; n++)
        {
            if (!IsSimpleOperand(in i, n))
            {
                return false;
            }
        }
        return true;
    }

    private static OpClass ClassifyCore(in Instruction i, ref ulong used, ref ulong defined)
    {
        Mnemonic m = i.Mnemonic;
        bool stringOp = i.Op0Kind is OpKind.MemorySegRSI or OpKind.MemorySegESI or OpKind.MemoryESRDI or OpKind.MemoryESEDI
            || i.Op1Kind is OpKind.MemorySegRSI or OpKind.MemorySegESI or OpKind.MemoryESRDI or OpKind.MemoryESEDI;
        if (stringOp && (i.HasRepPrefix || i.HasRepnePrefix))
        {
            return OpClass.Interpret; // counts each iteration as an instruction: the interpreter's job
        }
        switch (m)
        {
            case Mnemonic.Syscall:
            case Mnemonic.Int3:
                return OpClass.Interpret;
            case Mnemonic.Movdir64b:
            case Mnemonic.Enqcmd:
            case Mnemonic.Enqcmds:
                // A portal submission ends Run after it (an interleaving point of the race explorer,
                // Cpu.EndRunAfterThisInstruction), which only the dispatcher loop honours.
                return OpClass.Interpret;
            case Mnemonic.Nop:
            case Mnemonic.Endbr64:
            case Mnemonic.Pause:
            case Mnemonic.Reservednop:
                return OpClass.Nop;
            case Mnemonic.Mov:
                return AllSimple(in i) ? OpClass.Mov : OpClass.Fallback;
            case Mnemonic.Movzx:
            case Mnemonic.Movsx:
            case Mnemonic.Movsxd:
                return AllSimple(in i) ? OpClass.MovExtend : OpClass.Fallback;
            case Mnemonic.Lea:
                return IsGpr(i.Op0Register) && IsPlainMemory(in i) ? OpClass.Lea : OpClass.Fallback;
            case Mnemonic.Add:
            case Mnemonic.Sub:
            case Mnemonic.Cmp:
            case Mnemonic.And:
            case Mnemonic.Or:
            case Mnemonic.Xor:
            case Mnemonic.Test:
                if (!AllSimple(in i))
                {
                    return OpClass.Fallback;
                }
                defined = Status;
                return OpClass.Alu;
            case Mnemonic.Adc:
            case Mnemonic.Sbb:
                if (!AllSimple(in i))
                {
                    return OpClass.Fallback;
                }
                used = CF;
                defined = Status;
                return OpClass.Alu;
            case Mnemonic.Not:
            case Mnemonic.Neg:
            case Mnemonic.Inc:
            case Mnemonic.Dec:
                if (!AllSimple(in i))
                {
                    return OpClass.Fallback;
                }
                defined = m switch
                {
                    Mnemonic.Not => 0,
                    Mnemonic.Neg => Status,
                    _ => Status & ~CF,
                };
                return OpClass.Unary;
            case Mnemonic.Shl:
            case Mnemonic.Sal:
            case Mnemonic.Shr:
            case Mnemonic.Sar:
            case Mnemonic.Rol:
            case Mnemonic.Ror:
                if (!AllSimple(in i))
                {
                    return OpClass.Fallback;
                }
                if (i.Op1Kind == OpKind.Register)
                {
                    // By CL: a masked count of 0 leaves every flag as it was, so the instruction
                    // defines none; the flags it may write pass through when it does not, hence
                    // live before exactly when live after (used = 0).
                    return OpClass.ShiftCl;
                }
                if (i.Op1Kind != OpKind.Immediate8)
                {
                    return OpClass.Fallback;
                }
                {
                    // The 1-forms (D0/D1 /n) decode with an Immediate8 of 1.
                    int size = i.Op0Kind == OpKind.Register ? i.Op0Register.GetSize() : i.MemorySize.GetSize();
                    int count = i.Immediate8 & (size == 8 ? 0x3F : 0x1F);
                    // A rotate keeps SF, ZF, AF, PF: they stay live across it exactly when live
                    // after it, and the emitter reads the previous ones only then.
                    defined = count == 0 ? 0 : m is Mnemonic.Rol or Mnemonic.Ror ? CF | OF : Status;
                }
                return OpClass.ShiftImm;
            case Mnemonic.Imul:
                if (i.OpCount < 2 || !AllSimple(in i))
                {
                    return OpClass.Fallback;
                }
                defined = Status;
                return OpClass.Imul;
            case Mnemonic.Push:
                if (i.Code is Code.Push_r64 or Code.Pushq_imm32 or Code.Pushq_imm8)
                {
                    return OpClass.Push;
                }
                return OpClass.Fallback;
            case Mnemonic.Pop:
                return i.Code == Code.Pop_r64 ? OpClass.Pop : OpClass.Fallback;
            case Mnemonic.Cmovo: case Mnemonic.Cmovno: case Mnemonic.Cmovb: case Mnemonic.Cmovae:
            case Mnemonic.Cmove: case Mnemonic.Cmovne: case Mnemonic.Cmovbe: case Mnemonic.Cmova:
            case Mnemonic.Cmovs: case Mnemonic.Cmovns: case Mnemonic.Cmovp: case Mnemonic.Cmovnp:
            case Mnemonic.Cmovl: case Mnemonic.Cmovge: case Mnemonic.Cmovle: case Mnemonic.Cmovg:
                if (!AllSimple(in i))
                {
                    return OpClass.Fallback;
                }
                used = ConditionFlags(i.ConditionCode);
                return OpClass.Cmov;
            case Mnemonic.Seto: case Mnemonic.Setno: case Mnemonic.Setb: case Mnemonic.Setae:
            case Mnemonic.Sete: case Mnemonic.Setne: case Mnemonic.Setbe: case Mnemonic.Seta:
            case Mnemonic.Sets: case Mnemonic.Setns: case Mnemonic.Setp: case Mnemonic.Setnp:
            case Mnemonic.Setl: case Mnemonic.Setge: case Mnemonic.Setle: case Mnemonic.Setg:
                if (!AllSimple(in i))
                {
                    return OpClass.Fallback;
                }
                used = ConditionFlags(i.ConditionCode);
                return OpClass.Setcc;
            case Mnemonic.Xchg:
                return i.Op0Kind == OpKind.Register && i.Op1Kind == OpKind.Register && AllSimple(in i) ? OpClass.XchgReg : OpClass.Fallback;
            case Mnemonic.Cbw: case Mnemonic.Cwde: case Mnemonic.Cdqe:
            case Mnemonic.Cwd: case Mnemonic.Cdq: case Mnemonic.Cqo:
                return OpClass.Convert;
            case Mnemonic.Bswap:
                return IsGpr(i.Op0Register) ? OpClass.Bswap : OpClass.Fallback;
            case Mnemonic.Jo: case Mnemonic.Jno: case Mnemonic.Jb: case Mnemonic.Jae:
            case Mnemonic.Je: case Mnemonic.Jne: case Mnemonic.Jbe: case Mnemonic.Ja:
            case Mnemonic.Js: case Mnemonic.Jns: case Mnemonic.Jp: case Mnemonic.Jnp:
            case Mnemonic.Jl: case Mnemonic.Jge: case Mnemonic.Jle: case Mnemonic.Jg:
                if (i.Op0Kind != OpKind.NearBranch64)
                {
                    return OpClass.Interpret;
                }
                used = ConditionFlags(i.ConditionCode);
                return OpClass.Jcc;
            case Mnemonic.Jmp:
                return i.Op0Kind switch
                {
                    OpKind.NearBranch64 => OpClass.Jmp,
                    OpKind.Register when i.Op0Register.GetSize() == 8 => OpClass.JmpIndirect,
                    OpKind.Memory when i.MemorySize == MemorySize.UInt64 && IsPlainMemory(in i) => OpClass.JmpIndirect,
                    _ => OpClass.Interpret,
                };
            case Mnemonic.Call:
                return i.Op0Kind switch
                {
                    OpKind.NearBranch64 => OpClass.Call,
                    OpKind.Register when i.Op0Register.GetSize() == 8 => OpClass.CallIndirect,
                    OpKind.Memory when i.MemorySize == MemorySize.UInt64 && IsPlainMemory(in i) => OpClass.CallIndirect,
                    _ => OpClass.Interpret,
                };
            case Mnemonic.Ret:
                return i.Code is Code.Retnq or Code.Retnq_imm16 ? OpClass.Ret : OpClass.Interpret;
        }
        // Anything else that changes RIP (LOOP, JRCXZ, far transfers, INT n...) or stops the CPU
        // (HLT, privileged instructions) is left to the interpreter.
        if (i.FlowControl != FlowControl.Next)
        {
            return OpClass.Interpret;
        }
        return OpClass.Fallback;
    }
}

namespace Emulator.Core.Cpu;

/// <summary>Why <see cref="Cpu.Run"/> returned.</summary>
public enum CpuExitKind : byte
{
    /// <summary>The instruction budget ran out; RIP is the next instruction (possibly a rep string
    /// instruction part-way through, with RCX/RSI/RDI updated). Run again to continue.</summary>
    BudgetExhausted,

    /// <summary><c>syscall</c> retired: RIP is the next instruction, RCX = that RIP, R11 = RFLAGS.
    /// The kernel reads the number from RAX, writes the result to RAX and runs again.</summary>
    Syscall,

    /// <summary>#PF: RIP is the faulting instruction, unchanged, and no architectural state changed
    /// (except completed iterations of a rep string instruction). See <see cref="CpuExit.FaultAddress"/>
    /// and <see cref="CpuExit.ErrorCode"/>; resolve the fault and run again.</summary>
    PageFault,

    /// <summary>#GP: a non-canonical address, a privileged instruction (<c>hlt</c>, <c>cli</c>, <c>in</c>,
    /// <c>int n</c>, ...) in user mode, or an access outside RAM. Linux sends SIGSEGV.</summary>
    GeneralProtection,

    /// <summary>#UD: an invalid encoding or an instruction this CPU does not implement (see
    /// <see cref="Cpu.ImplementedMnemonics"/>). Linux sends SIGILL.</summary>
    InvalidOpcode,

    /// <summary>#DE: division by zero or a quotient that does not fit. Linux sends SIGFPE.</summary>
    DivideError,

    /// <summary>#XM: an unmasked SIMD floating-point exception (MXCSR flags tell which); RIP is the
    /// faulting instruction and its destination is unchanged. Linux sends SIGFPE.</summary>
    SimdFloatingPoint,

    /// <summary>#MF: a pending unmasked x87 exception (FSW.ES) reported at the next waiting x87
    /// instruction, which is RIP. Linux sends SIGFPE.</summary>
    X87FloatingPoint,

    /// <summary>#BP from <c>int3</c>; RIP is after the <c>int3</c>, as on hardware. Linux sends SIGTRAP.</summary>
    Breakpoint,
}

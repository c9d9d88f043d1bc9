namespace Emulator.Core.Cpu;

/// <summary>The sixteen 64-bit general-purpose registers, in encoding order (SDM Vol. 1 §3.4.1).</summary>
public enum Gpr : byte
{
    Rax, Rcx, Rdx, Rbx, Rsp, Rbp, Rsi, Rdi,
    R8, R9, R10, R11, R12, R13, R14, R15,
}

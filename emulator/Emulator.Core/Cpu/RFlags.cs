namespace Emulator.Core.Cpu;

/// <summary>RFLAGS bits the user-mode CPU models (SDM Vol. 1 §3.4.3).</summary>
[Flags]
public enum RFlags : ulong
{
    None = 0,
    /// <summary>Carry.</summary>
    CF = 1 << 0,
    /// <summary>Bit 1: reserved, always 1.</summary>
    Reserved1 = 1 << 1,
    /// <summary>Parity of the low byte of the result (1 = even number of set bits).</summary>
    PF = 1 << 2,
    /// <summary>Auxiliary carry (out of bit 3).</summary>
    AF = 1 << 4,
    /// <summary>Zero.</summary>
    ZF = 1 << 6,
    /// <summary>Sign.</summary>
    SF = 1 << 7,
    /// <summary>Trap (single step): kept as a value, not modelled.</summary>
    TF = 1 << 8,
    /// <summary>Interrupt enable: always 1 in user mode.</summary>
    IF = 1 << 9,
    /// <summary>Direction: string instructions decrement RSI/RDI when set.</summary>
    DF = 1 << 10,
    /// <summary>Overflow.</summary>
    OF = 1 << 11,
    /// <summary>Alignment check: writable by POPFQ and read back, not modelled (no #AC).</summary>
    AC = 1 << 18,
    /// <summary>CPUID-support flag: writable by POPFQ and read back.</summary>
    ID = 1 << 21,
    /// <summary>The six status flags arithmetic instructions write.</summary>
    Status = CF | PF | AF | ZF | SF | OF,
    /// <summary>RFLAGS after reset of a user thread on Linux (IF and the reserved bit).</summary>
    InitialUser = Reserved1 | IF,
}

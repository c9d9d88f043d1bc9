namespace Emulator.Core.Cpu.X87;

/// <summary>The x87 exception flags, at their FSW bit positions (SDM Vol. 1 §8.1.3), plus C1, which an
/// arithmetic instruction uses to report that the result was rounded up in magnitude.</summary>
[Flags]
public enum X87Exceptions : ushort
{
    None = 0,
    /// <summary>IE: invalid operation (#IA) or, with <see cref="StackFault"/>, a stack fault (#IS).</summary>
    Invalid = 1 << 0,
    /// <summary>DE: a denormal operand.</summary>
    Denormal = 1 << 1,
    /// <summary>ZE: division of a finite nonzero value by zero (and FXTRACT/FYL2X of zero).</summary>
    ZeroDivide = 1 << 2,
    /// <summary>OE: the rounded result exceeds the destination's largest finite value.</summary>
    Overflow = 1 << 3,
    /// <summary>UE: a tiny result (tininess detected after rounding), reported when masked only if also inexact.</summary>
    Underflow = 1 << 4,
    /// <summary>PE: the result is inexact.</summary>
    Precision = 1 << 5,
    /// <summary>SF: the invalid operation was a stack overflow or underflow.</summary>
    StackFault = 1 << 6,
    /// <summary>C1 (FSW bit 9): the inexact result was rounded up in magnitude (or, for a stack fault,
    /// 1 = overflow, 0 = underflow).</summary>
    RoundedUp = 1 << 9,

    /// <summary>The six exceptions that have a mask bit in FCW.</summary>
    All = Invalid | Denormal | ZeroDivide | Overflow | Underflow | Precision,
}

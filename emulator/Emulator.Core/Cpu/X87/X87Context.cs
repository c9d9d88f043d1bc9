namespace Emulator.Core.Cpu.X87;

/// <summary>
/// What one soft-float operation needs from FCW and what it reports: the rounding control, the
/// significand precision (24, 53 or 64 bits: FCW.PC, which only FADD/FSUB/FMUL/FDIV/FSQRT and their
/// forms honour; the exponent range stays 15 bits), the exception masks, and the accumulated flags
/// (<see cref="X87Exceptions"/>, C1 included).
/// </summary>
/// <remarks>
/// The masks matter to the result, not only to the caller: an unmasked overflow or underflow delivers
/// the rounded result with its exponent wrapped by ∓24576 (SDM Vol. 1 §8.5.4, §8.5.5), and an
/// unmasked #IA, #D or #Z leaves the destination unchanged, which the operation signals by setting
/// the flag (the caller then writes nothing).
/// </remarks>
public struct X87Context
{
    public X87Rounding Rounding;

    /// <summary>Significand bits results are rounded to: 24, 53 or 64.</summary>
    public int Precision;

    /// <summary>The masked exceptions (FCW bits 5:0).</summary>
    public X87Exceptions Masks;

    /// <summary>Flags raised so far.</summary>
    public X87Exceptions Flags;

    /// <summary>A binary32/binary64 memory operand was denormal. It widens to a normal 80-bit value, so
    /// the operation's own denormal check raises DE for it, in its place among the other exceptions
    /// (after #IA for NaN and unsupported operands, after #Z).</summary>
    public bool DenormalSource;

    /// <summary>The context FCW describes. PC = 01 is reserved; this host (AMD Zen) rounds it to 64 bits.</summary>
    public static X87Context FromControlWord(ushort fcw) => new()
    {
        Rounding = (X87Rounding)((fcw >> 10) & 3),
        Precision = ((fcw >> 8) & 3) switch { 0 => 24, 2 => 53, _ => 64 },
        Masks = (X87Exceptions)(fcw & 0x3F),
    };

    /// <summary>A context rounding to 64 bits with <paramref name="rounding"/> and every exception masked.</summary>
    public static X87Context Masked(X87Rounding rounding = X87Rounding.Nearest, int precision = 64) => new()
    {
        Rounding = rounding,
        Precision = precision,
        Masks = X87Exceptions.All,
    };

    /// <summary>Exceptions raised that are not masked (each one makes the instruction deliver #MF later).</summary>
    public readonly X87Exceptions Unmasked => Flags & ~Masks & X87Exceptions.All;

    /// <summary>True when an unmasked #IA, #D or #Z was raised: the destination must not be written.</summary>
    public readonly bool Suppressed => (Unmasked & (X87Exceptions.Invalid | X87Exceptions.Denormal | X87Exceptions.ZeroDivide)) != 0;
}

using System.Buffers.Binary;

namespace Emulator.Core.Kernel.Fs;

/// <summary><c>struct timespec</c> (x86-64: two 64-bit fields, 16 bytes) and the clock arithmetic the
/// file calls need.</summary>
/// <param name="Seconds">tv_sec.</param>
/// <param name="Nanoseconds">tv_nsec, in [0, 1e9) when valid.</param>
public readonly record struct Timespec(long Seconds, long Nanoseconds)
{
    public const int Size = 16;

    /// <summary>Splits a nanosecond count (floor division, so negative times stay normalised).</summary>
    public static Timespec FromNanoseconds(long ns) =>
        new(Math.DivRem(ns, 1_000_000_000L, out long rem) - (rem < 0 ? 1 : 0), rem < 0 ? rem + 1_000_000_000L : rem);

    /// <summary>The total in nanoseconds, saturating instead of overflowing.</summary>
    public long ToNanoseconds()
    {
        if (Seconds > long.MaxValue / 1_000_000_000L - 1)
        {
            return long.MaxValue;
        }
        if (Seconds < long.MinValue / 1_000_000_000L + 1)
        {
            return long.MinValue;
        }
        return Seconds * 1_000_000_000L + Nanoseconds;
    }

    /// <summary>tv_nsec within [0, 999 999 999] and tv_sec ≥ 0, as timeouts require (else EINVAL).</summary>
    public bool IsValidTimeout => Seconds >= 0 && Nanoseconds is >= 0 and < 1_000_000_000L;

    public static Timespec Read(ReadOnlySpan<byte> b) =>
        new(BinaryPrimitives.ReadInt64LittleEndian(b), BinaryPrimitives.ReadInt64LittleEndian(b[8..]));

    public void Write(Span<byte> b)
    {
        BinaryPrimitives.WriteInt64LittleEndian(b, Seconds);
        BinaryPrimitives.WriteInt64LittleEndian(b[8..], Nanoseconds);
    }
}

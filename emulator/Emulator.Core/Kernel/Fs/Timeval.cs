using System.Buffers.Binary;

namespace Emulator.Core.Kernel.Fs;

/// <summary><c>struct timeval</c> (x86-64: tv_sec and tv_usec, 64 bits each, 16 bytes): select's
/// timeout and the times of utimes/futimesat.</summary>
/// <param name="Seconds">tv_sec.</param>
/// <param name="Microseconds">tv_usec, in [0, 1e6) when valid.</param>
public readonly record struct Timeval(long Seconds, long Microseconds)
{
    public const int Size = 16;

    public bool IsValid => Seconds >= 0 && Microseconds is >= 0 and < 1_000_000L;

    public Timespec ToTimespec() => new(Seconds, Microseconds * 1000);

    public static Timeval FromNanoseconds(long ns)
    {
        var ts = Timespec.FromNanoseconds(ns);
        return new(ts.Seconds, ts.Nanoseconds / 1000);
    }

    public static Timeval Read(ReadOnlySpan<byte> b) =>
        new(BinaryPrimitives.ReadInt64LittleEndian(b), BinaryPrimitives.ReadInt64LittleEndian(b[8..]));

    public void Write(Span<byte> b)
    {
        BinaryPrimitives.WriteInt64LittleEndian(b, Seconds);
        BinaryPrimitives.WriteInt64LittleEndian(b[8..], Microseconds);
    }
}

using System.Buffers.Binary;

namespace Emulator.Core.Kernel.Fs;

/// <summary><c>struct pollfd</c> (8 bytes): fd (int) at 0, events (short) at 4, revents (short) at 6.</summary>
/// <param name="Fd">The descriptor; negative ones are skipped (revents 0).</param>
/// <param name="Events">Requested events (POLLIN…).</param>
/// <param name="Revents">Returned events.</param>
public readonly record struct PollFd(int Fd, short Events, short Revents)
{
    public const int Size = 8;
    public const int OffsetRevents = 6;

    public static PollFd Read(ReadOnlySpan<byte> b) => new(BinaryPrimitives.ReadInt32LittleEndian(b),
        BinaryPrimitives.ReadInt16LittleEndian(b[4..]), BinaryPrimitives.ReadInt16LittleEndian(b[6..]));

    public void Write(Span<byte> b)
    {
        BinaryPrimitives.WriteInt32LittleEndian(b, Fd);
        BinaryPrimitives.WriteInt16LittleEndian(b[4..], Events);
        BinaryPrimitives.WriteInt16LittleEndian(b[6..], Revents);
    }
}

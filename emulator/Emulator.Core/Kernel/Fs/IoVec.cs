using System.Buffers.Binary;

namespace Emulator.Core.Kernel.Fs;

/// <summary><c>struct iovec</c> (16 bytes): iov_base at 0, iov_len at 8.</summary>
/// <param name="Base">iov_base: the user address.</param>
/// <param name="Length">iov_len: the byte count.</param>
public readonly record struct IoVec(ulong Base, ulong Length)
{
    public const int Size = 16;

    public static IoVec Read(ReadOnlySpan<byte> b) =>
        new(BinaryPrimitives.ReadUInt64LittleEndian(b), BinaryPrimitives.ReadUInt64LittleEndian(b[8..]));

    public void Write(Span<byte> b)
    {
        BinaryPrimitives.WriteUInt64LittleEndian(b, Base);
        BinaryPrimitives.WriteUInt64LittleEndian(b[8..], Length);
    }
}

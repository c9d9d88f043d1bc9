using System.Buffers;

namespace Emulator.Core.Wire;

/// <summary>One parsed, CRC-checked frame. <see cref="Payload"/> is a slice of the receive buffer,
/// not a copy: it is valid only until the reader advances past it.</summary>
public readonly struct Frame
{
    public Frame(FrameHeader header, ReadOnlySequence<byte> payload)
    {
        Header = header;
        Payload = payload;
    }

    public FrameHeader Header { get; }
    public ProtocolVersion Version => Header.Version;
    public MessageType Type => Header.Type;
    public uint Sequence => Header.Sequence;
    public ReadOnlySequence<byte> Payload { get; }

    /// <summary>Header + payload + CRC, in bytes.</summary>
    public int TotalLength => FrameCodec.Overhead + (int)Payload.Length;

    /// <summary>The payload as one span: the buffer itself when it is contiguous, else copied into
    /// <paramref name="scratch"/> (which must hold <see cref="Payload"/>.Length bytes).</summary>
    /// <remarks>Payload structs parse from a span; a payload split across transfer segments is the one
    /// case that needs a copy, and the caller chooses where it goes (stackalloc for small frames).</remarks>
    public ReadOnlySpan<byte> GetPayloadSpan(Span<byte> scratch)
    {
        if (Payload.IsSingleSegment)
            return Payload.FirstSpan;
        Span<byte> target = scratch[..(int)Payload.Length];
        Payload.CopyTo(target);
        return target;
    }
}

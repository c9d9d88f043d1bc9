using System.Buffers;
using System.Buffers.Binary;
using System.Globalization;

namespace Emulator.Core.Wire;

/// <summary>Frames of the board wire protocol: delimiting, CRC checking and resynchronising on the
/// receive side, building on the send side (docs/wire-protocol.md §Frame).</summary>
/// <remarks>
/// <para>The parser is Pipelines-shaped: it looks at the head of whatever has arrived, never depends
/// on how the bytes were split into transfers or segments, and never copies a payload. "Not enough
/// bytes yet" is <c>false</c> with no error; corrupt input is <c>false</c> with a <see cref="FrameError"/>
/// and a <c>consumed</c> position past the damage, so a receive loop is:</para>
/// <code>
/// while (FrameCodec.TryParseFrame(buffer, out var frame, out var consumed, out var examined, out var error) || error.IsError)
/// { handle(frame or error); buffer = buffer.Slice(consumed); }
/// reader.AdvanceTo(consumed, examined);
/// </code>
/// </remarks>
public static class FrameCodec
{
    /// <summary>Largest payload a frame may carry (64 KiB); a longer length field is corruption.</summary>
    public const int MaxPayload = 64 * 1024;

    public const int CrcSize = 4;

    /// <summary>Bytes a frame adds to its payload: header + CRC.</summary>
    public const int Overhead = FrameHeader.Size + CrcSize;

    public const int MaxFrameLength = Overhead + MaxPayload;

    private static ReadOnlySpan<byte> MagicBytes => "SVAB"u8;

    /// <summary>Parses the frame at the head of <paramref name="buffer"/>.</summary>
    /// <param name="buffer">Received bytes not yet consumed.</param>
    /// <param name="frame">The frame, when the result is true; its payload slices <paramref name="buffer"/>.</param>
    /// <param name="consumed">Where the next parse starts: past the frame, past a damaged frame or skipped
    /// garbage, or <c>buffer.Start</c> when more bytes are needed.</param>
    /// <param name="examined">How far the parser looked: <c>buffer.End</c> when more bytes are needed
    /// (so a PipeReader waits for new data), else <paramref name="consumed"/>.</param>
    /// <param name="error">None for a frame or for "need more"; otherwise what was skipped and why.</param>
    /// <returns>True when a complete frame with a good CRC was parsed.</returns>
    public static bool TryParseFrame(in ReadOnlySequence<byte> buffer, out Frame frame,
        out SequencePosition consumed, out SequencePosition examined, out FrameError error)
    {
        frame = default;
        error = FrameError.None;
        consumed = buffer.Start;
        examined = buffer.End;

        int headerBytes = (int)Math.Min(buffer.Length, FrameHeader.Size);
        ReadOnlySpan<byte> first = buffer.FirstSpan;
        Span<byte> copy = stackalloc byte[FrameHeader.Size];
        scoped ReadOnlySpan<byte> head;
        if (first.Length >= headerBytes)
        {
            head = first[..headerBytes];
        }
        else
        {
            buffer.Slice(0, headerBytes).CopyTo(copy);
            head = copy[..headerBytes];
        }

        if (!MagicBytes[..Math.Min(4, headerBytes)].SequenceEqual(head[..Math.Min(4, headerBytes)]))
        {
            long skipped = FindMagicCandidate(buffer, 1);
            consumed = examined = buffer.GetPosition(skipped);
            error = new FrameError(FrameErrorKind.BadMagic, skipped, 0, 0, 0);
            return false;
        }
        if (headerBytes < FrameHeader.Size)
            return false;

        FrameHeader header = FrameHeader.Read(head);
        if (header.PayloadLength > MaxPayload)
        {
            long skipped = FindMagicCandidate(buffer, 1);
            consumed = examined = buffer.GetPosition(skipped);
            error = new FrameError(FrameErrorKind.BadLength, skipped, header.Sequence, header.Type, header.PayloadLength);
            return false;
        }

        int payloadLength = (int)header.PayloadLength;
        long total = Overhead + payloadLength;
        if (buffer.Length < total)
            return false;

        ReadOnlySequence<byte> covered = buffer.Slice(0, FrameHeader.Size + payloadLength);
        Span<byte> crcBytes = stackalloc byte[CrcSize];
        buffer.Slice(covered.End, CrcSize).CopyTo(crcBytes);
        uint stored = BinaryPrimitives.ReadUInt32LittleEndian(crcBytes);
        consumed = examined = buffer.GetPosition(total);
        if (Crc32C.Compute(covered) != stored)
        {
            error = new FrameError(FrameErrorKind.BadCrc, total, header.Sequence, header.Type, header.PayloadLength);
            return false;
        }

        frame = new Frame(header, buffer.Slice(FrameHeader.Size, payloadLength));
        return true;
    }

    /// <summary>Offset of the first position at or after <paramref name="from"/> where the magic starts,
    /// or where the buffer ends in a proper prefix of it (the rest may still arrive); the buffer length
    /// when there is none.</summary>
    private static long FindMagicCandidate(in ReadOnlySequence<byte> buffer, long from)
    {
        var reader = new SequenceReader<byte>(buffer);
        reader.Advance(from);
        Span<byte> probe = stackalloc byte[4];
        while (reader.TryAdvanceTo(MagicBytes[0], advancePastDelimiter: false))
        {
            int available = (int)Math.Min(4, reader.Remaining);
            Span<byte> candidate = probe[..available];
            reader.TryCopyTo(candidate);
            if (candidate.SequenceEqual(MagicBytes[..available]))
                return reader.Consumed;
            reader.Advance(1);
        }
        return buffer.Length;
    }

    /// <summary>Call when the connection has closed: leftover bytes mean the peer stopped inside a frame.</summary>
    /// <exception cref="InvalidDataException"><paramref name="remaining"/> is not empty; the message says how
    /// many bytes of how long a frame arrived.</exception>
    public static void ThrowIfIncomplete(in ReadOnlySequence<byte> remaining)
    {
        long have = remaining.Length;
        if (have == 0)
            return;
        if (have < FrameHeader.Size)
            throw new InvalidDataException(string.Create(CultureInfo.InvariantCulture,
                $"connection closed inside a frame: {have} bytes of a {FrameHeader.Size}-byte frame header"));
        Span<byte> head = stackalloc byte[FrameHeader.Size];
        remaining.Slice(0, FrameHeader.Size).CopyTo(head);
        if (!FrameHeader.HasMagic(head))
            throw new InvalidDataException(string.Create(CultureInfo.InvariantCulture,
                $"connection closed with {have} bytes that do not start a frame (no magic)"));
        long expected = Overhead + (long)FrameHeader.Read(head).PayloadLength;
        throw new InvalidDataException(string.Create(CultureInfo.InvariantCulture,
            $"connection closed inside a frame: {have} bytes of a {expected}-byte frame"));
    }

    /// <summary>Frame length for a payload of <paramref name="payloadLength"/> bytes.</summary>
    public static int GetFrameLength(int payloadLength) => Overhead + payloadLength;

    /// <summary>Writes the header of a frame and returns the span its payload goes in; finish with
    /// <see cref="CompleteFrame"/>. Lets a payload struct write in place, without a staging buffer.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The payload exceeds <see cref="MaxPayload"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="destination"/> cannot hold the frame.</exception>
    public static Span<byte> BeginFrame(Span<byte> destination, MessageType type, uint sequence, int payloadLength,
        ProtocolVersion? version = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(payloadLength);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(payloadLength, MaxPayload);
        if (destination.Length < Overhead + payloadLength)
            throw new ArgumentException($"destination holds {destination.Length} bytes, frame needs {Overhead + payloadLength}", nameof(destination));
        new FrameHeader(version ?? ProtocolVersion.Current, type, 0, sequence, (uint)payloadLength).Write(destination);
        return destination.Slice(FrameHeader.Size, payloadLength);
    }

    /// <summary>Appends the CRC to a frame started by <see cref="BeginFrame"/> at the start of
    /// <paramref name="frame"/>; returns the frame's total length.</summary>
    public static int CompleteFrame(Span<byte> frame)
    {
        int payloadLength = (int)BinaryPrimitives.ReadUInt32LittleEndian(frame[12..]);
        int covered = FrameHeader.Size + payloadLength;
        BinaryPrimitives.WriteUInt32LittleEndian(frame[covered..], Crc32C.Compute(frame[..covered]));
        return covered + CrcSize;
    }

    /// <summary>Writes a whole frame; returns its length.</summary>
    public static int WriteFrame(Span<byte> destination, MessageType type, uint sequence, ReadOnlySpan<byte> payload)
    {
        payload.CopyTo(BeginFrame(destination, type, sequence, payload.Length));
        return CompleteFrame(destination);
    }

    /// <summary>Writes a whole frame into a pipe or buffer writer.</summary>
    public static int WriteFrame(IBufferWriter<byte> writer, MessageType type, uint sequence, ReadOnlySpan<byte> payload)
    {
        Span<byte> destination = writer.GetSpan(Overhead + payload.Length);
        int written = WriteFrame(destination, type, sequence, payload);
        writer.Advance(written);
        return written;
    }

    /// <summary>Writes a frame whose payload is a fixed-layout payload struct, in place.</summary>
    public static int WriteFrame<TPayload>(Span<byte> destination, uint sequence, in TPayload payload)
        where TPayload : struct, IWirePayload
    {
        payload.Write(BeginFrame(destination, payload.Type, sequence, payload.Size));
        return CompleteFrame(destination);
    }

    /// <summary>Writes a frame whose payload is a fixed-layout payload struct into a pipe or buffer writer.</summary>
    public static int WriteFrame<TPayload>(IBufferWriter<byte> writer, uint sequence, in TPayload payload)
        where TPayload : struct, IWirePayload
    {
        Span<byte> destination = writer.GetSpan(Overhead + payload.Size);
        int written = WriteFrame(destination, sequence, payload);
        writer.Advance(written);
        return written;
    }
}

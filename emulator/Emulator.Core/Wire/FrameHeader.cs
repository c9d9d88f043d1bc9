using System.Buffers.Binary;

namespace Emulator.Core.Wire;

/// <summary>The 16-byte header that starts every frame (docs/wire-protocol.md §Frame).</summary>
/// <remarks>
/// <code>
/// off size field
///   0  4   magic   "SVAB" = 0x42415653 little-endian
///   4  1   major
///   5  1   minor
///   6  1   type    (MessageType)
///   7  1   flags   (reserved, 0)
///   8  4   seq
///  12  4   payload length (≤ FrameCodec.MaxPayload)
/// </code>
/// The header layout and the CRC trailer are frozen across major versions, so a receiver can always
/// delimit a frame and read its version before deciding whether it understands it.
/// </remarks>
public readonly struct FrameHeader
{
    public const int Size = 16;

    /// <summary>"SVAB" read as a little-endian u32.</summary>
    public const uint MagicValue = 0x4241_5653;

    public FrameHeader(ProtocolVersion version, MessageType type, byte flags, uint sequence, uint payloadLength)
    {
        Version = version;
        Type = type;
        Flags = flags;
        Sequence = sequence;
        PayloadLength = payloadLength;
    }

    public ProtocolVersion Version { get; }
    public MessageType Type { get; }
    public byte Flags { get; }
    public uint Sequence { get; }
    public uint PayloadLength { get; }

    /// <summary>True when the first four bytes are the magic (the rest is not checked).</summary>
    public static bool HasMagic(ReadOnlySpan<byte> bytes) =>
        bytes.Length >= 4 && BinaryPrimitives.ReadUInt32LittleEndian(bytes) == MagicValue;

    /// <summary>Reads the fields after the magic; the caller has checked the magic.</summary>
    public static FrameHeader Read(ReadOnlySpan<byte> bytes) => new(
        new ProtocolVersion(bytes[4], bytes[5]),
        (MessageType)bytes[6],
        bytes[7],
        BinaryPrimitives.ReadUInt32LittleEndian(bytes[8..]),
        BinaryPrimitives.ReadUInt32LittleEndian(bytes[12..]));

    public void Write(Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(destination, MagicValue);
        destination[4] = Version.Major;
        destination[5] = Version.Minor;
        destination[6] = (byte)Type;
        destination[7] = Flags;
        BinaryPrimitives.WriteUInt32LittleEndian(destination[8..], Sequence);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[12..], PayloadLength);
    }
}

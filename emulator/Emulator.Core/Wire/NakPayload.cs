using System.Buffers.Binary;

namespace Emulator.Core.Wire;

/// <summary>NAK: the frame with <see cref="Sequence"/> was not accepted; the sender resends (docs/wire-protocol.md §NAK and resend).</summary>
/// <remarks>
/// <code>
/// off size field
///   0  4   sequence   of the frame being NAKed
///   4  1   reason     NakReason, 1..6
///   5  3   reserved   0
/// </code>
/// </remarks>
public readonly struct NakPayload(uint sequence, NakReason reason) : IWirePayload
{
    public const int FixedSize = 8;

    public uint Sequence { get; } = sequence;
    public NakReason Reason { get; } = reason;

    public MessageType Type => MessageType.Nak;
    public int Size => FixedSize;

    public static bool TryRead(ReadOnlySpan<byte> payload, out NakPayload value)
    {
        value = default;
        if (payload.Length < FixedSize)
            return false;
        var reason = (NakReason)payload[4];
        if (reason is NakReason.None or > NakReason.BadPayload || payload[5] != 0 || payload[6] != 0 || payload[7] != 0)
            return false;
        value = new NakPayload(BinaryPrimitives.ReadUInt32LittleEndian(payload), reason);
        return true;
    }

    public void Write(Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(destination, Sequence);
        destination[4] = (byte)Reason;
        destination[5..8].Clear();
    }
}

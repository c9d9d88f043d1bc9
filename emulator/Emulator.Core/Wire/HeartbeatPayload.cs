using System.Buffers.Binary;

namespace Emulator.Core.Wire;

/// <summary>HEARTBEAT: either side, when idle, so that the other notices a dead link (and so that a frame
/// whose corrupted length claims more bytes than were sent is pushed to its CRC check by later traffic).</summary>
/// <remarks><c>off 0, 8 bytes: timestamp</c> — the sender's monotonic clock in nanoseconds; the receiver
/// only echoes or logs it.</remarks>
public readonly struct HeartbeatPayload(ulong timestampNs) : IWirePayload
{
    public const int FixedSize = 8;

    public ulong TimestampNs { get; } = timestampNs;

    public MessageType Type => MessageType.Heartbeat;
    public int Size => FixedSize;

    public static bool TryRead(ReadOnlySpan<byte> payload, out HeartbeatPayload value)
    {
        value = payload.Length >= FixedSize ? new HeartbeatPayload(BinaryPrimitives.ReadUInt64LittleEndian(payload)) : default;
        return payload.Length >= FixedSize;
    }

    public void Write(Span<byte> destination) => BinaryPrimitives.WriteUInt64LittleEndian(destination, TimestampNs);
}

using System.Buffers.Binary;

namespace Emulator.Core.Wire;

/// <summary>SYNC_ACK: every ATC_INV received before the SYNC with <see cref="FenceId"/> is complete.</summary>
/// <remarks><c>off 0, 4 bytes: fenceId</c>.</remarks>
public readonly struct SyncAckPayload(uint fenceId) : IWirePayload
{
    public const int FixedSize = 4;

    public uint FenceId { get; } = fenceId;

    public MessageType Type => MessageType.SyncAck;
    public int Size => FixedSize;

    public static bool TryRead(ReadOnlySpan<byte> payload, out SyncAckPayload value)
    {
        value = payload.Length >= FixedSize ? new SyncAckPayload(BinaryPrimitives.ReadUInt32LittleEndian(payload)) : default;
        return payload.Length >= FixedSize;
    }

    public void Write(Span<byte> destination) => BinaryPrimitives.WriteUInt32LittleEndian(destination, FenceId);
}

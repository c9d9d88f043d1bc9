using System.Buffers.Binary;

namespace Emulator.Core.Wire;

/// <summary>SYNC: a fence. The board answers SYNC_ACK with the same fence id once every ATC_INV it
/// received before this SYNC is complete — the meaning of CMD_SYNC (SMMUv3 §4.7.3).</summary>
/// <remarks><c>off 0, 4 bytes: fenceId</c>.</remarks>
public readonly struct SyncPayload(uint fenceId) : IWirePayload
{
    public const int FixedSize = 4;

    public uint FenceId { get; } = fenceId;

    public MessageType Type => MessageType.Sync;
    public int Size => FixedSize;

    public static bool TryRead(ReadOnlySpan<byte> payload, out SyncPayload value)
    {
        value = payload.Length >= FixedSize ? new SyncPayload(BinaryPrimitives.ReadUInt32LittleEndian(payload)) : default;
        return payload.Length >= FixedSize;
    }

    public void Write(Span<byte> destination) => BinaryPrimitives.WriteUInt32LittleEndian(destination, FenceId);
}

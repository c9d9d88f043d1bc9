using System.Buffers.Binary;

namespace Emulator.Core.Wire;

/// <summary>ATC_DUMP: ask the board for every valid entry of one device's ATC (lockstep checking).</summary>
/// <remarks><c>off 0, 4 bytes: sid</c>.</remarks>
public readonly struct AtcDumpPayload(uint sid) : IWirePayload
{
    public const int FixedSize = 4;

    public uint Sid { get; } = sid;

    public MessageType Type => MessageType.AtcDump;
    public int Size => FixedSize;

    public static bool TryRead(ReadOnlySpan<byte> payload, out AtcDumpPayload value)
    {
        value = payload.Length >= FixedSize ? new AtcDumpPayload(BinaryPrimitives.ReadUInt32LittleEndian(payload)) : default;
        return payload.Length >= FixedSize;
    }

    public void Write(Span<byte> destination) => BinaryPrimitives.WriteUInt32LittleEndian(destination, Sid);
}

using System.Buffers.Binary;

namespace Emulator.Core.Wire;

/// <summary>CAPS: the board's answer to HELLO — who it is, what it speaks, its ATC geometry and its limits.</summary>
/// <remarks>
/// <code>
/// off size field
///   0  8   boardId         (serial or DNA of the FPGA)
///   8  1   major
///   9  1   minor
///  10  2   atcWays         ≥ 1
///  12  4   atcEntries      ≥ 1, a multiple of atcWays
///  16  4   maxBatch        ATC_INV frames the board accepts between SYNCs, ≥ 1
///  20  4   maxOutstanding  ATC_INVs not yet INV_COMPLETEd, ≥ 1
///  24 20   limits          optional: <see cref="CapsLimits"/> (a board that sends them states what it refuses)
/// </code>
/// A 24-byte CAPS (board-sim, older boards) is read with <see cref="Limits"/> not stated; bytes after
/// the layout are ignored as for every payload.
/// </remarks>
public readonly struct CapsPayload : IWirePayload
{
    public const int FixedSize = 24;

    /// <summary>The size with <see cref="CapsLimits"/>.</summary>
    public const int WithLimitsSize = FixedSize + CapsLimits.Size;

    public CapsPayload(ulong boardId, ProtocolVersion version, uint atcEntries, ushort atcWays, uint maxBatch, uint maxOutstanding,
        CapsLimits limits = default)
    {
        Limits = limits;
        BoardId = boardId;
        Version = version;
        AtcEntries = atcEntries;
        AtcWays = atcWays;
        MaxBatch = maxBatch;
        MaxOutstanding = maxOutstanding;
    }

    public ulong BoardId { get; }
    public ProtocolVersion Version { get; }
    public uint AtcEntries { get; }
    public ushort AtcWays { get; }
    public uint MaxBatch { get; }
    public uint MaxOutstanding { get; }

    /// <summary>The server limits, when the board states them.</summary>
    public CapsLimits Limits { get; }

    public MessageType Type => MessageType.Caps;
    public int Size => Limits.IsStated ? WithLimitsSize : FixedSize;

    public static bool TryRead(ReadOnlySpan<byte> payload, out CapsPayload value)
    {
        value = default;
        if (payload.Length < FixedSize)
            return false;
        ushort ways = BinaryPrimitives.ReadUInt16LittleEndian(payload[10..]);
        uint entries = BinaryPrimitives.ReadUInt32LittleEndian(payload[12..]);
        uint maxBatch = BinaryPrimitives.ReadUInt32LittleEndian(payload[16..]);
        uint maxOutstanding = BinaryPrimitives.ReadUInt32LittleEndian(payload[20..]);
        if (ways == 0 || entries == 0 || entries % ways != 0 || maxBatch == 0 || maxOutstanding == 0)
            return false;
        CapsLimits limits = default;
        if (payload.Length >= WithLimitsSize)
        {
            if (BinaryPrimitives.ReadUInt16LittleEndian(payload[34..]) != 0)
                return false; // reserved
            limits = new CapsLimits(BinaryPrimitives.ReadUInt32LittleEndian(payload[24..]), BinaryPrimitives.ReadUInt32LittleEndian(payload[28..]),
                BinaryPrimitives.ReadUInt16LittleEndian(payload[32..]), BinaryPrimitives.ReadUInt32LittleEndian(payload[36..]),
                BinaryPrimitives.ReadUInt32LittleEndian(payload[40..]));
        }
        value = new CapsPayload(BinaryPrimitives.ReadUInt64LittleEndian(payload),
            new ProtocolVersion(payload[8], payload[9]), entries, ways, maxBatch, maxOutstanding, limits);
        return true;
    }

    public void Write(Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt64LittleEndian(destination, BoardId);
        destination[8] = Version.Major;
        destination[9] = Version.Minor;
        BinaryPrimitives.WriteUInt16LittleEndian(destination[10..], AtcWays);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[12..], AtcEntries);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[16..], MaxBatch);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[20..], MaxOutstanding);
        if (Limits.IsStated)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(destination[24..], Limits.MaxSids);
            BinaryPrimitives.WriteUInt32LittleEndian(destination[28..], Limits.AtcEntriesTotal);
            BinaryPrimitives.WriteUInt16LittleEndian(destination[32..], Limits.MaxConnections);
            BinaryPrimitives.WriteUInt16LittleEndian(destination[34..], 0);
            BinaryPrimitives.WriteUInt32LittleEndian(destination[36..], Limits.MaxPendingBytes);
            BinaryPrimitives.WriteUInt32LittleEndian(destination[40..], Limits.IdleTimeoutMs);
        }
    }
}

using System.Buffers.Binary;

namespace Emulator.Core.Wire;

/// <summary>ATC_DUMP_REPLY: the board's ATC entries for one sid.</summary>
/// <remarks>
/// <code>
/// off size field
///   0  4   sid
///   4  2   count       ≤ MaxEntries
///   6  2   flags       bit 0 truncated (the ATC held more than fit); bits 1..15 reserved (0)
///   8  24×n entries    AtcDumpEntry
/// </code>
/// A <c>ref struct</c> over the received bytes; entries are decoded (and validated) one at a time by
/// <see cref="TryGetEntry"/>, so a malformed entry is reported where it is, not as a whole-reply failure.
/// </remarks>
public readonly ref struct AtcDumpReplyPayload
{
    public const int HeaderSize = 8;
    public const int MaxEntries = (FrameCodec.MaxPayload - HeaderSize) / AtcDumpEntry.Size;
    private const ushort TruncatedFlag = 0x0001;

    private readonly ReadOnlySpan<byte> _entries;

    private AtcDumpReplyPayload(uint sid, bool truncated, ReadOnlySpan<byte> entries)
    {
        Sid = sid;
        Truncated = truncated;
        _entries = entries;
    }

    public uint Sid { get; }
    public bool Truncated { get; }
    public int Count => _entries.Length / AtcDumpEntry.Size;

    public static int SizeFor(int count) => HeaderSize + count * AtcDumpEntry.Size;

    /// <summary>Decodes entry <paramref name="index"/>; false when that entry is malformed.</summary>
    public bool TryGetEntry(int index, out AtcDumpEntry entry) =>
        AtcDumpEntry.TryRead(_entries.Slice(index * AtcDumpEntry.Size, AtcDumpEntry.Size), out entry);

    public static bool TryRead(ReadOnlySpan<byte> payload, out AtcDumpReplyPayload value)
    {
        value = default;
        if (payload.Length < HeaderSize)
            return false;
        int count = BinaryPrimitives.ReadUInt16LittleEndian(payload[4..]);
        ushort flags = BinaryPrimitives.ReadUInt16LittleEndian(payload[6..]);
        if (count > MaxEntries || (flags & ~TruncatedFlag) != 0 || payload.Length < SizeFor(count))
            return false;
        value = new AtcDumpReplyPayload(BinaryPrimitives.ReadUInt32LittleEndian(payload), (flags & TruncatedFlag) != 0,
            payload.Slice(HeaderSize, count * AtcDumpEntry.Size));
        return true;
    }

    /// <summary>Writes a reply; returns the payload size.</summary>
    /// <exception cref="ArgumentOutOfRangeException">More than <see cref="MaxEntries"/> entries (send the first ones with <paramref name="truncated"/>).</exception>
    public static int Write(Span<byte> destination, uint sid, bool truncated, ReadOnlySpan<AtcDumpEntry> entries)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(entries.Length, MaxEntries);
        BinaryPrimitives.WriteUInt32LittleEndian(destination, sid);
        BinaryPrimitives.WriteUInt16LittleEndian(destination[4..], (ushort)entries.Length);
        BinaryPrimitives.WriteUInt16LittleEndian(destination[6..], truncated ? TruncatedFlag : (ushort)0);
        for (int i = 0; i < entries.Length; i++)
            entries[i].Write(destination[(HeaderSize + i * AtcDumpEntry.Size)..]);
        return SizeFor(entries.Length);
    }
}

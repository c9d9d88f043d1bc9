using System.Buffers.Binary;
using Emulator.Core.Pcie;

namespace Emulator.Core.Wire;

/// <summary>ATC_FILL: the host mirrors one ATS Translation Completion that its endpoint cached, so that the
/// board's ATC holds the same translations as the emulator's (lockstep ATC_DUMP comparison). No reply;
/// a malformed one is NAKed with <see cref="NakReason.BadPayload"/>.</summary>
/// <remarks>
/// <code>
/// off size field
///   0  4   sid
///   4  4   pasid      0xFFFFFFFF = no PASID, else &lt; 2^20
///   8  1   sizeLog2   12..63
///   9  1   perms      WirePermissions; bits 4..7 reserved (0)
///  10  1   flags      bit 0 global (only with a PASID); bits 1..7 reserved (0)
///  11  1   reserved   0
///  12  8   va         aligned to 2^sizeLog2
///  20  8   pa         aligned to 2^sizeLog2
/// </code>
/// Bytes 4..27 are an <see cref="AtcDumpEntry"/>, so a fill and the dump entry it produces compare byte
/// for byte. Beyond the entry's own checks, a fill must be cacheable (<see cref="AtcEntry.IsWellFormed"/>):
/// va and pa aligned to the span, and the global bit only with a PASID (PCIe Base §10.2.3: G is reserved
/// for an untagged request).
/// </remarks>
public readonly struct AtcFillPayload : IWirePayload
{
    public const int FixedSize = 4 + AtcDumpEntry.Size;

    public AtcFillPayload(uint sid, in AtcDumpEntry entry)
    {
        Sid = sid;
        Entry = entry;
    }

    public uint Sid { get; }

    /// <summary>The translation, in the layout of an ATC_DUMP_REPLY entry.</summary>
    public AtcDumpEntry Entry { get; }

    public MessageType Type => MessageType.AtcFill;
    public int Size => FixedSize;

    /// <summary>The fill that mirrors <paramref name="entry"/> cached by the endpoint <paramref name="sid"/>
    /// (the frame generation and insertion sequence stay on the host).</summary>
    public static AtcFillPayload From(uint sid, in AtcEntry entry) => new(sid, AtcEntryWire.ToDumpEntry(entry));

    /// <summary>The entry to insert into the board's model of the ATC (frame generation 0).</summary>
    public AtcEntry ToAtcEntry() => AtcEntryWire.ToAtcEntry(Entry);

    public static bool TryRead(ReadOnlySpan<byte> payload, out AtcFillPayload value)
    {
        value = default;
        if (payload.Length < FixedSize || !AtcDumpEntry.TryRead(payload[4..], out AtcDumpEntry entry))
            return false;
        ulong mask = (1UL << entry.SizeLog2) - 1;
        if ((entry.Va & mask) != 0 || (entry.Pa & mask) != 0 || (entry.Global && entry.Pasid == AtcInvPayload.NoPasid))
            return false;
        value = new AtcFillPayload(BinaryPrimitives.ReadUInt32LittleEndian(payload), entry);
        return true;
    }

    public void Write(Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(destination, Sid);
        Entry.Write(destination.Slice(4, AtcDumpEntry.Size));
    }
}

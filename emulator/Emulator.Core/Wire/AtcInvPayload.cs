using System.Buffers.Binary;
using Emulator.Core.Pcie;

namespace Emulator.Core.Wire;

/// <summary>ATC_INV: invalidate a span of one device's ATC (PCIe Base Spec §10.3.1 Invalidate Request).</summary>
/// <remarks>
/// <code>
/// off size field
///   0  4   sid
///   4  4   pasid      0xFFFFFFFF = no PASID, else &lt; 2^20
///   8  8   address    start of the span (the board aligns it down to 2^sizeLog2)
///  16  2   itag       chosen by the emulator, echoed in INV_COMPLETE
///  18  1   sizeLog2   12..64; 64 = the whole address space
///  19  1   flags      bit 0 global; bits 1..7 reserved (0)
/// </code>
/// </remarks>
public readonly struct AtcInvPayload : IWirePayload
{
    public const int FixedSize = 20;
    public const uint NoPasid = uint.MaxValue;
    public const uint MaxPasid = (1u << 20) - 1;
    public const byte MinSizeLog2 = 12;
    public const byte WholeSpaceSizeLog2 = 64;
    private const byte GlobalFlag = 0x01;

    public AtcInvPayload(uint sid, uint pasid, bool global, ulong address, byte sizeLog2, ushort itag)
    {
        Sid = sid;
        Pasid = pasid;
        Global = global;
        Address = address;
        SizeLog2 = sizeLog2;
        Itag = itag;
    }

    public uint Sid { get; }
    public uint Pasid { get; }

    /// <summary>Also remove global entries; ignored by the board when <see cref="Pasid"/> is none, as in PCIe.</summary>
    public bool Global { get; }
    public ulong Address { get; }
    public byte SizeLog2 { get; }
    public ushort Itag { get; }

    public MessageType Type => MessageType.AtcInv;
    public int Size => FixedSize;

    /// <summary>The wire form of an SMMU ATC invalidation; SizeLog2 of 64 or more becomes 64.</summary>
    public static AtcInvPayload From(in AtcInvalidation invalidation, ushort itag) => new(
        invalidation.Sid,
        invalidation.Pasid == AtcEntry.NoPasid ? NoPasid : invalidation.Pasid,
        invalidation.Global,
        invalidation.Address,
        (byte)Math.Clamp(invalidation.SizeLog2, 0, WholeSpaceSizeLog2),
        itag);

    public AtcInvalidation ToInvalidation() =>
        new(Sid, Pasid == NoPasid ? AtcEntry.NoPasid : Pasid, Global, Address, SizeLog2);

    public static bool TryRead(ReadOnlySpan<byte> payload, out AtcInvPayload value)
    {
        value = default;
        if (payload.Length < FixedSize)
            return false;
        uint pasid = BinaryPrimitives.ReadUInt32LittleEndian(payload[4..]);
        byte sizeLog2 = payload[18];
        byte flags = payload[19];
        if ((pasid > MaxPasid && pasid != NoPasid) || sizeLog2 < MinSizeLog2 || sizeLog2 > WholeSpaceSizeLog2
            || (flags & ~GlobalFlag) != 0)
            return false;
        value = new AtcInvPayload(
            BinaryPrimitives.ReadUInt32LittleEndian(payload),
            pasid,
            (flags & GlobalFlag) != 0,
            BinaryPrimitives.ReadUInt64LittleEndian(payload[8..]),
            sizeLog2,
            BinaryPrimitives.ReadUInt16LittleEndian(payload[16..]));
        return true;
    }

    public void Write(Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(destination, Sid);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[4..], Pasid);
        BinaryPrimitives.WriteUInt64LittleEndian(destination[8..], Address);
        BinaryPrimitives.WriteUInt16LittleEndian(destination[16..], Itag);
        destination[18] = SizeLog2;
        destination[19] = Global ? GlobalFlag : (byte)0;
    }
}

using System.Buffers.Binary;

namespace Emulator.Core.Wire;

/// <summary>One ATC entry in ATC_DUMP_REPLY.</summary>
/// <remarks>
/// <code>
/// off size field
///   0  4   pasid      0xFFFFFFFF = no PASID
///   4  1   sizeLog2   12..63
///   5  1   perms      WirePermissions; bits 4..7 reserved (0)
///   6  1   flags      bit 0 global; bits 1..7 reserved (0)
///   7  1   reserved   0
///   8  8   va
///  16  8   pa
/// </code>
/// </remarks>
public readonly struct AtcDumpEntry
{
    public const int Size = 24;
    private const byte GlobalFlag = 0x01;
    private const byte KnownPermissions = 0x0F;

    public AtcDumpEntry(uint pasid, ulong va, byte sizeLog2, ulong pa, WirePermissions permissions, bool global)
    {
        Pasid = pasid;
        Va = va;
        SizeLog2 = sizeLog2;
        Pa = pa;
        Permissions = permissions;
        Global = global;
    }

    public uint Pasid { get; }
    public ulong Va { get; }
    public byte SizeLog2 { get; }
    public ulong Pa { get; }
    public WirePermissions Permissions { get; }
    public bool Global { get; }

    public static bool TryRead(ReadOnlySpan<byte> bytes, out AtcDumpEntry value)
    {
        value = default;
        if (bytes.Length < Size)
            return false;
        uint pasid = BinaryPrimitives.ReadUInt32LittleEndian(bytes);
        byte sizeLog2 = bytes[4];
        if ((pasid > AtcInvPayload.MaxPasid && pasid != AtcInvPayload.NoPasid)
            || sizeLog2 < AtcInvPayload.MinSizeLog2 || sizeLog2 > 63
            || (bytes[5] & ~KnownPermissions) != 0 || (bytes[6] & ~GlobalFlag) != 0 || bytes[7] != 0)
            return false;
        value = new AtcDumpEntry(pasid, BinaryPrimitives.ReadUInt64LittleEndian(bytes[8..]), sizeLog2,
            BinaryPrimitives.ReadUInt64LittleEndian(bytes[16..]), (WirePermissions)bytes[5], (bytes[6] & GlobalFlag) != 0);
        return true;
    }

    public void Write(Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(destination, Pasid);
        destination[4] = SizeLog2;
        destination[5] = (byte)Permissions;
        destination[6] = Global ? GlobalFlag : (byte)0;
        destination[7] = 0;
        BinaryPrimitives.WriteUInt64LittleEndian(destination[8..], Va);
        BinaryPrimitives.WriteUInt64LittleEndian(destination[16..], Pa);
    }

    public override string ToString() =>
        $"pasid={(Pasid == AtcInvPayload.NoPasid ? "-" : Pasid.ToString("x", System.Globalization.CultureInfo.InvariantCulture))} " +
        $"va={Va:x} pa={Pa:x} 2^{SizeLog2} {Permissions}{(Global ? " G" : "")}";
}

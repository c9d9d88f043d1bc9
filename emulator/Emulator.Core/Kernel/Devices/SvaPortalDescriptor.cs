using System.Buffers.Binary;

namespace Emulator.Core.Kernel.Devices;

/// <summary>
/// A descriptor as it is written to a device portal with MOVDIR64B or ENQCMD (<c>struct
/// sva_portal_desc</c>, 64 bytes, little-endian): the <c>sva_desc</c> fields with the first dword given
/// to the PASID, as Intel DSA's descriptors have it — ENQCMD replaces it with IA32_PASID[19:0] on the
/// way (bit 31, privilege, is 0 from user mode); a dedicated portal (MOVDIR64B) ignores it and uses
/// the PASID of the process that mapped the portal.
/// </summary>
/// <remarks>Offsets: pasid 0 (u32), op 4 (u16), flags 6 (u16, reserved, 0), src 8, dst 16, len 24,
/// pattern 32, completion 40, reserved 48 and 56 (u64 each).</remarks>
public readonly record struct SvaPortalDescriptor(uint Pasid, SvaDescriptor Descriptor)
{
    public const int Size = 64;

    /// <summary>Decodes the 64 bytes a portal received.</summary>
    public static SvaPortalDescriptor Read(ReadOnlySpan<byte> b) => new(
        BinaryPrimitives.ReadUInt32LittleEndian(b),
        new SvaDescriptor
        {
            Op = (SvaOp)BinaryPrimitives.ReadUInt16LittleEndian(b[4..]),
            Flags = BinaryPrimitives.ReadUInt16LittleEndian(b[6..]),
            Src = BinaryPrimitives.ReadUInt64LittleEndian(b[8..]),
            Dst = BinaryPrimitives.ReadUInt64LittleEndian(b[16..]),
            Len = BinaryPrimitives.ReadUInt64LittleEndian(b[24..]),
            Pattern = BinaryPrimitives.ReadUInt64LittleEndian(b[32..]),
            Completion = BinaryPrimitives.ReadUInt64LittleEndian(b[40..]),
            Reserved0 = BinaryPrimitives.ReadUInt64LittleEndian(b[48..]),
            Reserved1 = BinaryPrimitives.ReadUInt64LittleEndian(b[56..]),
        });

    /// <summary>Encodes it (tests and the guest headers' check).</summary>
    public void Write(Span<byte> b)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(b, Pasid);
        BinaryPrimitives.WriteUInt16LittleEndian(b[4..], (ushort)Descriptor.Op);
        BinaryPrimitives.WriteUInt16LittleEndian(b[6..], (ushort)Descriptor.Flags);
        BinaryPrimitives.WriteUInt64LittleEndian(b[8..], Descriptor.Src);
        BinaryPrimitives.WriteUInt64LittleEndian(b[16..], Descriptor.Dst);
        BinaryPrimitives.WriteUInt64LittleEndian(b[24..], Descriptor.Len);
        BinaryPrimitives.WriteUInt64LittleEndian(b[32..], Descriptor.Pattern);
        BinaryPrimitives.WriteUInt64LittleEndian(b[40..], Descriptor.Completion);
        BinaryPrimitives.WriteUInt64LittleEndian(b[48..], Descriptor.Reserved0);
        BinaryPrimitives.WriteUInt64LittleEndian(b[56..], Descriptor.Reserved1);
    }
}

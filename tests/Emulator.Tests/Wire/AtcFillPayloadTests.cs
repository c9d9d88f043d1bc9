using Emulator.Core.Pcie;
using Emulator.Core.Wire;

namespace Emulator.Tests.Wire;

/// <summary>ATC_FILL (0x07) against bytes worked out by hand from docs/wire-protocol.md.</summary>
public class AtcFillPayloadTests
{
    // sid 0x102; pasid 0x12345; 2 MiB; R|W; global; va 0x7F0012200000; pa 0x4000600000 (both 2 MiB aligned).
    private static readonly byte[] Expected =
    [
        0x02, 0x01, 0x00, 0x00,                         // 0: sid 0x102
        0x45, 0x23, 0x01, 0x00,                         // 4: pasid 0x12345
        0x15,                                           // 8: sizeLog2 21
        0x03,                                           // 9: perms R|W
        0x01,                                           // 10: flags, bit 0 = global
        0x00,                                           // 11: reserved
        0x00, 0x00, 0x20, 0x12, 0x00, 0x7F, 0x00, 0x00, // 12: va 0x00007F0012200000
        0x00, 0x00, 0x60, 0x00, 0x40, 0x00, 0x00, 0x00, // 20: pa 0x0000004000600000
    ];

    private static AtcFillPayload Sample() => new(0x102,
        new AtcDumpEntry(0x12345, 0x7F00_1220_0000, 21, 0x40_0060_0000, WirePermissions.Read | WirePermissions.Write, global: true));

    private static byte[] Bytes(in AtcFillPayload fill)
    {
        var buffer = new byte[fill.Size];
        fill.Write(buffer);
        return buffer;
    }

    [Fact]
    public void Layout_is_sid_then_a_dump_entry()
    {
        Assert.Equal(28, AtcFillPayload.FixedSize);
        Assert.Equal(Expected, Bytes(Sample()));
        // Bytes 4..27 are exactly what ATC_DUMP_REPLY would list for the same translation.
        var entry = new byte[AtcDumpEntry.Size];
        Sample().Entry.Write(entry);
        Assert.Equal(entry, Expected[4..]);
    }

    [Fact]
    public void Reads_back_every_field()
    {
        Assert.True(AtcFillPayload.TryRead(Expected, out var back));
        Assert.Equal((0x102u, 0x12345u, (byte)21, WirePermissions.Read | WirePermissions.Write, true, 0x7F00_1220_0000ul, 0x40_0060_0000ul),
            (back.Sid, back.Entry.Pasid, back.Entry.SizeLog2, back.Entry.Permissions, back.Entry.Global, back.Entry.Va, back.Entry.Pa));
        Assert.Equal(MessageType.AtcFill, back.Type);
    }

    [Fact]
    public void Frame_carries_type_0x07()
    {
        var frame = new byte[FrameCodec.GetFrameLength(AtcFillPayload.FixedSize)];
        FrameCodec.WriteFrame(frame, 5, Sample());
        Assert.Equal(0x07, frame[6]);                                  // type byte
        Assert.Equal(new byte[] { 28, 0, 0, 0 }, frame[12..16]);       // payload length 28
        Assert.Equal(Expected, frame[16..44]);
    }

    [Theory]
    [InlineData(11, 0x01)] // reserved byte
    [InlineData(9, 0x10)]  // perms bit 4 reserved
    [InlineData(10, 0x02)] // flags bit 1 reserved
    [InlineData(8, 11)]    // sizeLog2 below 4 KiB
    [InlineData(8, 64)]    // 2^64 cannot be cached
    [InlineData(14, 0x21)] // va 0x7F0012210000: not 2 MiB aligned
    [InlineData(22, 0x61)] // pa 0x4000610000: not 2 MiB aligned
    [InlineData(6, 0x10)]  // pasid 0x102345: 21 bits
    public void Malformed_fields_are_refused(int offset, byte value)
    {
        byte[] bytes = (byte[])Expected.Clone();
        bytes[offset] = value;
        Assert.False(AtcFillPayload.TryRead(bytes, out _));
    }

    [Fact]
    public void Global_without_a_pasid_is_refused_and_short_payloads_too()
    {
        byte[] bytes = (byte[])Expected.Clone();
        bytes[4] = bytes[5] = bytes[6] = bytes[7] = 0xFF; // no PASID, global still set
        Assert.False(AtcFillPayload.TryRead(bytes, out _));
        bytes[10] = 0;                                    // untagged, not global: fine
        Assert.True(AtcFillPayload.TryRead(bytes, out var untagged));
        Assert.Equal(AtcEntry.NoPasid, untagged.ToAtcEntry().Pasid);

        Assert.False(AtcFillPayload.TryRead(Expected.AsSpan(0, 27), out _));
        Assert.True(AtcFillPayload.TryRead([.. Expected, 0xAA], out _)); // appended bytes (a later minor) are ignored
    }

    [Fact]
    public void Converts_to_and_from_the_ATC_model()
    {
        var entry = new AtcEntry(7, 0x4000_0000, 30, 0x1_0000_0000, AtsPermissions.Read | AtsPermissions.Execute | AtsPermissions.Privileged, global: false, frameGeneration: 9);
        AtcFillPayload fill = AtcFillPayload.From(3, entry);
        Assert.Equal(WirePermissions.Read | WirePermissions.Execute | WirePermissions.Privileged, fill.Entry.Permissions); // same bits
        AtcEntry back = fill.ToAtcEntry();
        Assert.True(back.IsWellFormed);
        Assert.Equal((7u, 0x4000_0000ul, 30, 0x1_0000_0000ul, entry.Permissions, false, 0u),
            (back.Pasid, back.Va, back.SizeLog2, back.Pa, back.Permissions, back.Global, back.FrameGeneration)); // generation stays on the host
    }
}

using Emulator.Core.Pcie;
using Emulator.Core.Wire;

namespace Emulator.Tests.Wire;

/// <summary>Every payload against bytes worked out by hand from docs/wire-protocol.md (little-endian throughout).</summary>
public class PayloadLayoutTests
{
    private static byte[] Bytes<T>(in T payload) where T : struct, IWirePayload
    {
        var buffer = new byte[payload.Size];
        payload.Write(buffer);
        return buffer;
    }

    [Fact]
    public void AtcInv_layout()
    {
        var inv = new AtcInvPayload(sid: 0x0000_0102, pasid: 0x0001_2345, global: true, address: 0x0000_7F00_1234_5000, sizeLog2: 21, itag: 0xBEEF);
        byte[] expected =
        [
            0x02, 0x01, 0x00, 0x00,                         // 0: sid 0x102
            0x45, 0x23, 0x01, 0x00,                         // 4: pasid 0x12345
            0x00, 0x50, 0x34, 0x12, 0x00, 0x7F, 0x00, 0x00, // 8: address 0x00007F0012345000
            0xEF, 0xBE,                                     // 16: itag 0xBEEF
            0x15,                                           // 18: sizeLog2 21 (2 MiB)
            0x01,                                           // 19: flags, bit 0 = global
        ];
        Assert.Equal(expected, Bytes(inv));
        Assert.True(AtcInvPayload.TryRead(expected, out var back));
        Assert.Equal((0x102u, 0x12345u, true, 0x7F00_1234_5000ul, (byte)21, (ushort)0xBEEF),
            (back.Sid, back.Pasid, back.Global, back.Address, back.SizeLog2, back.Itag));
    }

    [Fact]
    public void AtcInv_without_pasid_is_all_ones_and_maps_to_AtcEntry_NoPasid()
    {
        var inv = AtcInvPayload.From(new AtcInvalidation(7, AtcEntry.NoPasid, false, 0, AtcInvalidation.AllAddresses), itag: 1);
        byte[] bytes = Bytes(inv);
        Assert.Equal(new byte[] { 0xFF, 0xFF, 0xFF, 0xFF }, bytes[4..8]); // no PASID on the wire
        Assert.Equal(64, bytes[18]);                                     // whole address space
        Assert.Equal(new AtcInvalidation(7, AtcEntry.NoPasid, false, 0, 64), inv.ToInvalidation());
    }

    [Theory]
    [InlineData(4, 0x00, 0x00, 0x10, 0x00)] // pasid 0x100000: 21 bits
    [InlineData(18, 11, 0, 0, 0)]           // sizeLog2 11 < 4 KiB
    [InlineData(18, 65, 0, 0, 0)]           // sizeLog2 65
    [InlineData(19, 0x02, 0, 0, 0)]         // reserved flag bit
    public void AtcInv_malformed_fields_are_refused(int offset, byte b0, byte b1, byte b2, byte b3)
    {
        byte[] bytes = Bytes(new AtcInvPayload(1, 2, false, 0x1000, 12, 3));
        bytes[offset] = b0;
        if (offset == 4) { bytes[5] = b1; bytes[6] = b2; bytes[7] = b3; }
        Assert.False(AtcInvPayload.TryRead(bytes, out _));
    }

    [Fact]
    public void Short_fixed_payloads_are_refused()
    {
        // One byte short of each fixed layout.
        Assert.False(AtcInvPayload.TryRead(new byte[19], out _));
        Assert.False(CapsPayload.TryRead(new byte[23], out _));
        Assert.False(SyncPayload.TryRead(new byte[3], out _));
        Assert.False(SyncAckPayload.TryRead(new byte[3], out _));
        Assert.False(AtcDumpPayload.TryRead(new byte[3], out _));
        Assert.False(NakPayload.TryRead(new byte[7], out _));
        Assert.False(HeartbeatPayload.TryRead(new byte[7], out _));
        Assert.False(HelloPayload.TryRead(new byte[3], out _));
        Assert.False(ErrorPayload.TryRead(new byte[3], out _));
        Assert.False(InvCompletePayload.TryRead(new byte[3], out _));
        Assert.False(AtcDumpReplyPayload.TryRead(new byte[7], out _));
    }

    [Fact]
    public void Caps_layout()
    {
        var caps = new CapsPayload(0x0123_4567_89AB_CDEF, new ProtocolVersion(1, 2), atcEntries: 256, atcWays: 4, maxBatch: 512, maxOutstanding: 32);
        byte[] expected =
        [
            0xEF, 0xCD, 0xAB, 0x89, 0x67, 0x45, 0x23, 0x01, // 0: boardId
            0x01, 0x02,                                     // 8: major 1, 9: minor 2
            0x04, 0x00,                                     // 10: ways 4
            0x00, 0x01, 0x00, 0x00,                         // 12: entries 256 = 0x100
            0x00, 0x02, 0x00, 0x00,                         // 16: maxBatch 512 = 0x200
            0x20, 0x00, 0x00, 0x00,                         // 20: maxOutstanding 32
        ];
        Assert.Equal(expected, Bytes(caps));
        Assert.True(CapsPayload.TryRead(expected, out var back));
        Assert.Equal((0x0123_4567_89AB_CDEFul, new ProtocolVersion(1, 2), 256u, (ushort)4, 512u, 32u),
            (back.BoardId, back.Version, back.AtcEntries, back.AtcWays, back.MaxBatch, back.MaxOutstanding));

        expected[12] = 0x01; expected[13] = 0x00; // entries 1, not a multiple of 4 ways
        Assert.False(CapsPayload.TryRead(expected, out _));
    }

    [Fact]
    public void Hello_layout()
    {
        byte[] expected =
        [
            0x01, 0x00,             // major 1, minor 0
            0x03, 0x00,             // name length 3
            (byte)'e', (byte)'m', (byte)'u',
        ];
        Assert.Equal(expected, Bytes(new HelloPayload(new ProtocolVersion(1, 0), "emu")));
        Assert.True(HelloPayload.TryRead(expected, out var back));
        Assert.Equal((new ProtocolVersion(1, 0), "emu"), (back.Version, back.HostName));

        Assert.False(HelloPayload.TryRead(expected[..6], out _)); // length says 3, only 2 name bytes
        expected[4] = 0xFF;                                       // not UTF-8
        Assert.False(HelloPayload.TryRead(expected, out _));
    }

    [Fact]
    public void InvComplete_layout()
    {
        var buffer = new byte[InvCompletePayload.SizeFor(3)];
        int size = InvCompletePayload.Write(buffer, [1, 0x0203, 0xFFFF]);
        byte[] expected =
        [
            0x03, 0x00,             // count 3
            0x00, 0x00,             // reserved
            0x01, 0x00,             // itag 1
            0x03, 0x02,             // itag 0x0203
            0xFF, 0xFF,             // itag 0xFFFF
        ];
        Assert.Equal(10, size);
        Assert.Equal(expected, buffer);
        Assert.True(InvCompletePayload.TryRead(expected, out var back));
        Assert.Equal(3, back.Count);
        Assert.Equal((1, 0x0203, 0xFFFF), ((int)back[0], (int)back[1], (int)back[2]));

        Assert.False(InvCompletePayload.TryRead(expected[..9], out _)); // third itag cut
        expected[2] = 1;                                                  // reserved bit
        Assert.False(InvCompletePayload.TryRead(expected, out _));
    }

    [Fact]
    public void Sync_SyncAck_AtcDump_Heartbeat_layouts()
    {
        Assert.Equal(new byte[] { 0x78, 0x56, 0x34, 0x12 }, Bytes(new SyncPayload(0x1234_5678)));
        Assert.Equal(new byte[] { 0x78, 0x56, 0x34, 0x12 }, Bytes(new SyncAckPayload(0x1234_5678)));
        Assert.Equal(new byte[] { 0x0A, 0x00, 0x00, 0x00 }, Bytes(new AtcDumpPayload(10)));
        Assert.Equal(new byte[] { 0x08, 0x07, 0x06, 0x05, 0x04, 0x03, 0x02, 0x01 }, Bytes(new HeartbeatPayload(0x0102_0304_0506_0708)));

        Assert.True(SyncPayload.TryRead([0x78, 0x56, 0x34, 0x12], out var sync));
        Assert.Equal(0x1234_5678u, sync.FenceId);
        Assert.True(SyncAckPayload.TryRead([0x78, 0x56, 0x34, 0x12], out var ack));
        Assert.Equal(0x1234_5678u, ack.FenceId);
        Assert.True(AtcDumpPayload.TryRead([0x0A, 0, 0, 0], out var dump));
        Assert.Equal(10u, dump.Sid);
        Assert.True(HeartbeatPayload.TryRead([8, 7, 6, 5, 4, 3, 2, 1], out var beat));
        Assert.Equal(0x0102_0304_0506_0708ul, beat.TimestampNs);
    }

    [Fact]
    public void AtcDumpReply_layout()
    {
        var entry = new AtcDumpEntry(pasid: 5, va: 0x7000_0000_1000, sizeLog2: 12, pa: 0x8_0000_3000,
            WirePermissions.Read | WirePermissions.Write, global: true);
        var buffer = new byte[AtcDumpReplyPayload.SizeFor(1)];
        int size = AtcDumpReplyPayload.Write(buffer, sid: 2, truncated: true, [entry]);
        byte[] expected =
        [
            0x02, 0x00, 0x00, 0x00,                         // 0: sid 2
            0x01, 0x00,                                     // 4: count 1
            0x01, 0x00,                                     // 6: flags, truncated
            // entry 0 at 8:
            0x05, 0x00, 0x00, 0x00,                         // +0: pasid 5
            0x0C,                                           // +4: sizeLog2 12
            0x03,                                           // +5: R|W
            0x01,                                           // +6: global
            0x00,                                           // +7: reserved
            0x00, 0x10, 0x00, 0x00, 0x00, 0x70, 0x00, 0x00, // +8: va 0x700000001000
            0x00, 0x30, 0x00, 0x00, 0x08, 0x00, 0x00, 0x00, // +16: pa 0x800003000
        ];
        Assert.Equal(32, size);
        Assert.Equal(expected, buffer);
        Assert.True(AtcDumpReplyPayload.TryRead(expected, out var back));
        Assert.Equal((2u, true, 1), (back.Sid, back.Truncated, back.Count));
        Assert.True(back.TryGetEntry(0, out var e));
        Assert.Equal((5u, 0x7000_0000_1000ul, (byte)12, 0x8_0000_3000ul, WirePermissions.Read | WirePermissions.Write, true),
            (e.Pasid, e.Va, e.SizeLog2, e.Pa, e.Permissions, e.Global));

        expected[15] = 1; // entry reserved byte set: the reply parses, the entry does not
        Assert.True(AtcDumpReplyPayload.TryRead(expected, out back));
        Assert.False(back.TryGetEntry(0, out _));
    }

    [Fact]
    public void Nak_layout()
    {
        byte[] expected =
        [
            0x2A, 0x00, 0x00, 0x00, // sequence 42
            0x01,                   // reason BadCrc
            0x00, 0x00, 0x00,       // reserved
        ];
        Assert.Equal(expected, Bytes(new NakPayload(42, NakReason.BadCrc)));
        Assert.True(NakPayload.TryRead(expected, out var back));
        Assert.Equal((42u, NakReason.BadCrc), (back.Sequence, back.Reason));

        expected[4] = 0;    // reason None is not a wire value
        Assert.False(NakPayload.TryRead(expected, out _));
        expected[4] = 7;    // past the last reason
        Assert.False(NakPayload.TryRead(expected, out _));
    }

    [Fact]
    public void Error_layout()
    {
        byte[] expected =
        [
            0x02, 0x00,             // code BadPayload
            0x04, 0x00,             // message length 4 (é is two bytes)
            (byte)'o', 0xC3, 0xA9, (byte)'!',
        ];
        Assert.Equal(expected, Bytes(new ErrorPayload(WireErrorCode.BadPayload, "oé!")));
        Assert.True(ErrorPayload.TryRead(expected, out var back));
        Assert.Equal((WireErrorCode.BadPayload, "oé!"), (back.Code, back.Message));
    }
}

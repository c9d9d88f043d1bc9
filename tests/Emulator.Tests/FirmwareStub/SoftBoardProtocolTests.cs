using System.Buffers.Binary;
using Emulator.Core.Pcie;
using Emulator.Core.Wire;
using Emulator.FirmwareStub;

namespace Emulator.Tests.FirmwareStub;

/// <summary>The software board answers every request as docs/wire-protocol.md says, over an in-process
/// pipe, loopback TCP and a Unix socket alike.</summary>
public class SoftBoardProtocolTests
{
    public static TheoryData<string> Transports => BoardHarness.Transports;

    private static AtcFillPayload Fill(uint sid, uint pasid, ulong va, byte sizeLog2 = 12, bool global = false) =>
        new(sid, new AtcDumpEntry(pasid, va, sizeLog2, 0x8000_0000 + va, WirePermissions.Read | WirePermissions.Write, global));

    private static AtcInvPayload Inv(uint sid, uint pasid, ulong address, byte sizeLog2 = 12, bool global = false, ushort itag = 0) =>
        new(sid, pasid, global, address, sizeLog2, itag);

    private static List<(uint Pasid, ulong Va)> Keys(List<AtcDumpEntry> entries) => entries.ConvertAll(e => (e.Pasid, e.Va));

    [Theory]
    [MemberData(nameof(Transports))]
    public async Task Hello_is_answered_with_the_boards_caps(string transport)
    {
        var options = new SoftBoardOptions { BoardId = 0xABCD_0001, Geometry = new AtcGeometry(512, 8), MaxBatch = 64, MaxOutstanding = 32 };
        await using var h = await BoardHarness.StartAsync(transport, options);
        await h.Client.SendAsync(new HelloPayload(ProtocolVersion.Current, "host-a"));
        Received caps = await h.Client.ExpectAsync(MessageType.Caps);
        Assert.Equal(0u, caps.Sequence); // the board's own counter, starting at 0
        CapsPayload c = caps.Caps();
        Assert.Equal((0xABCD_0001ul, ProtocolVersion.Current, 512u, (ushort)8, 64u, 32u),
            (c.BoardId, c.Version, c.AtcEntries, c.AtcWays, c.MaxBatch, c.MaxOutstanding));
    }

    [Theory]
    [MemberData(nameof(Transports))]
    public async Task Another_major_is_refused_with_ERROR_and_the_connection_closes(string transport)
    {
        await using var h = await BoardHarness.StartAsync(transport);
        var hello = new byte[new HelloPayload(new ProtocolVersion(2, 0), "v2").Size];
        new HelloPayload(new ProtocolVersion(2, 0), "v2").Write(hello);
        h.Client.QueueRaw(MessageType.Hello, hello, new ProtocolVersion(2, 0));
        h.Client.Queue(new SyncPayload(1)); // behind the refused HELLO: never answered
        await h.Client.FlushAsync();
        ErrorPayload error = (await h.Client.ExpectAsync(MessageType.Error)).Error();
        Assert.Equal(WireErrorCode.VersionRefused, error.Code);
        Assert.Equal("refused: host speaks protocol 2.0, board speaks 1.0", error.Message);
        await h.Client.ExpectClosedAsync();
        if (h.Session is not null)
            Assert.Equal(SoftBoardSessionEnd.VersionRefused, await h.Session);
    }

    [Fact]
    public async Task A_hello_payload_naming_another_major_is_refused_too()
    {
        await using var h = await BoardHarness.StartAsync("pipe");
        await h.Client.SendAsync(new HelloPayload(new ProtocolVersion(3, 1), "v3 in a v1 header"));
        Assert.Equal("refused: host speaks protocol 3.1, board speaks 1.0", (await h.Client.ExpectAsync(MessageType.Error)).Error().Message);
        await h.Client.ExpectClosedAsync();
    }

    [Fact]
    public async Task A_newer_minor_is_accepted()
    {
        await using var h = await BoardHarness.StartAsync("pipe");
        await h.Client.SendAsync(new HelloPayload(new ProtocolVersion(1, 7), "newer"));
        Assert.Equal(ProtocolVersion.Current, (await h.Client.ExpectAsync(MessageType.Caps)).Caps().Version);
    }

    [Fact]
    public async Task With_CheckHostVersion_off_the_board_answers_caps_and_leaves_refusal_to_the_host()
    {
        await using var h = await BoardHarness.StartAsync("pipe", new SoftBoardOptions { Version = new ProtocolVersion(2, 0), CheckHostVersion = false });
        Received caps = await SendHelloAndReceive(h);
        Assert.Equal(new ProtocolVersion(2, 0), caps.Caps().Version);
        Assert.False(ProtocolVersion.Check(ProtocolVersion.Current, caps.Caps().Version).IsAccepted); // what the host will decide

        static async Task<Received> SendHelloAndReceive(BoardHarness h)
        {
            await h.Client.SendAsync(new HelloPayload(ProtocolVersion.Current, "v1 host"));
            return await h.Client.ExpectAsync(MessageType.Caps);
        }
    }

    [Theory]
    [MemberData(nameof(Transports))]
    public async Task Requests_before_hello_get_ERROR_and_the_board_waits_for_hello(string transport)
    {
        await using var h = await BoardHarness.StartAsync(transport);
        uint seq = await h.Client.SendAsync(new SyncPayload(1));
        ErrorPayload error = (await h.Client.ExpectAsync(MessageType.Error)).Error();
        Assert.Equal(WireErrorCode.Unspecified, error.Code);
        Assert.Equal($"HELLO expected before Sync (seq {seq})", error.Message);

        await h.Client.HandshakeAsync(); // the connection stayed up
        await h.Client.SendAsync(new SyncPayload(2));
        Assert.Equal(2u, (await h.Client.ExpectAsync(MessageType.SyncAck)).SyncAck().FenceId);
    }

    [Theory]
    [MemberData(nameof(Transports))]
    public async Task An_invalidation_removes_the_filled_entry_and_only_it(string transport)
    {
        await using var h = await BoardHarness.StartAsync(transport);
        await h.Client.HandshakeAsync();
        h.Client.Queue(Fill(1, 5, 0x1000));
        h.Client.Queue(Fill(1, 5, 0x2000));
        h.Client.Queue(Fill(1, 6, 0x1000));
        h.Client.Queue(Fill(2, 5, 0x1000));
        await h.Client.FlushAsync();
        Assert.Equal([(5u, 0x1000ul), (5u, 0x2000ul), (6u, 0x1000ul)], Keys(await h.Client.DumpAsync(1))); // fills need no reply

        h.Client.Queue(Inv(1, 5, 0x1234, itag: 77)); // any address in the page
        h.Client.Queue(new SyncPayload(9));
        await h.Client.FlushAsync();
        Assert.Equal(9u, (await h.Client.ExpectPastCompletionsAsync(MessageType.SyncAck)).SyncAck().FenceId);

        Assert.Equal([(5u, 0x2000ul), (6u, 0x1000ul)], Keys(await h.Client.DumpAsync(1))); // pasid 5's page gone, pasid 6's kept
        Assert.Equal([(5u, 0x1000ul)], Keys(await h.Client.DumpAsync(2)));                  // other SIDs untouched
        Assert.False(h.Board.GetAtc(1).Contains(5, 0x1000));
    }

    [Theory]
    [MemberData(nameof(Transports))]
    public async Task Invalidation_scopes_follow_PCIe_global_and_no_pasid_rules(string transport)
    {
        const uint NoPasid = AtcInvPayload.NoPasid;
        await using var h = await BoardHarness.StartAsync(transport);
        await h.Client.HandshakeAsync();
        h.Client.Queue(Fill(1, 5, 0x10000, global: true)); // global translation
        h.Client.Queue(Fill(1, 5, 0x11000));               // pasid 5's own
        h.Client.Queue(Fill(1, NoPasid, 0x10000));         // untagged
        h.Client.Queue(Fill(1, 5, 0x40000));               // outside every range below
        // Pasid 7, Global clear, over [0x10000, 0x12000): pasid 7 has nothing; the global entry stays.
        h.Client.Queue(Inv(1, 7, 0x10000, 13, itag: 1));
        h.Client.Queue(new SyncPayload(1));
        await h.Client.FlushAsync();
        await h.Client.ExpectPastCompletionsAsync(MessageType.SyncAck);
        Assert.Equal([(5u, 0x10000ul), (5u, 0x11000ul), (NoPasid, 0x10000ul), (5u, 0x40000ul)], Keys(await h.Client.DumpAsync(1)));

        // Pasid 7 with Global Invalidate: every entry requested with a PASID in the range; untagged stays.
        await h.Client.SendAsync(Inv(1, 7, 0x10000, 13, global: true, itag: 2));
        Assert.Equal([(NoPasid, 0x10000ul), (5u, 0x40000ul)], Keys(await h.Client.DumpAsync(1)));

        // No PASID: every entry in the range, whatever its PASID (Global is ignored).
        await h.Client.SendAsync(Inv(1, NoPasid, 0x10000, 12, itag: 3));
        Assert.Equal([(5u, 0x40000ul)], Keys(await h.Client.DumpAsync(1)));

        // sizeLog2 64: the whole address space.
        await h.Client.SendAsync(Inv(1, 5, 0, AtcInvPayload.WholeSpaceSizeLog2, itag: 4));
        Assert.Empty(await h.Client.DumpAsync(1));
    }

    [Theory]
    [MemberData(nameof(Transports))]
    public async Task A_batch_and_its_sync_are_answered_by_sync_ack_after_every_invalidation(string transport)
    {
        await using var h = await BoardHarness.StartAsync(transport);
        await h.Client.HandshakeAsync();
        for (uint i = 0; i < 256; i++)
            h.Client.Queue(Fill(1, 5, 0x100000 + i * 0x1000));
        for (ushort i = 0; i < 256; i++)
            h.Client.Queue(Inv(1, 5, 0x100000 + i * 0x1000u, itag: i));
        h.Client.Queue(new SyncPayload(42));
        h.Client.Queue(new HeartbeatPayload(1));
        await h.Client.FlushAsync(); // many frames in one write
        var completed = new List<ushort>();
        Assert.Equal(42u, (await h.Client.ExpectPastCompletionsAsync(MessageType.SyncAck, completed)).SyncAck().FenceId);
        await h.Client.ExpectAsync(MessageType.Heartbeat); // nothing left pending behind the SYNC_ACK
        // Every itag is reported by INV_COMPLETE before the SYNC_ACK: a SYNC_ACK is not an implicit completion.
        Assert.Equal(Enumerable.Range(0, 256).Select(i => (ushort)i), completed.Order());
        Assert.Equal(0, h.Board.GetAtc(1).Count); // SYNC_ACK means done: all 256 pages are gone
    }

    [Fact]
    public async Task Completions_are_batched_and_keep_the_order_of_the_requests()
    {
        await using var h = await BoardHarness.StartAsync("pipe");
        await h.Client.HandshakeAsync();
        h.Client.Queue(Inv(1, 5, 0x1000, itag: 10));
        h.Client.Queue(Inv(1, 5, 0x2000, itag: 11));
        h.Client.Queue(new HeartbeatPayload(7)); // a reply: the completions before it go first
        h.Client.Queue(Inv(1, 5, 0x3000, itag: 12));
        h.Client.Queue(new SyncPayload(3));      // INV_COMPLETE {12} goes before its SYNC_ACK
        h.Client.Queue(Inv(1, 5, 0x4000, itag: 13));
        h.Client.Queue(Inv(1, 5, 0x5000, itag: 14)); // end of the read: one INV_COMPLETE
        await h.Client.FlushAsync();
        Assert.Equal(new ushort[] { 10, 11 }, (await h.Client.ExpectAsync(MessageType.InvComplete)).Itags());
        Assert.Equal(7ul, (await h.Client.ExpectAsync(MessageType.Heartbeat)).Heartbeat().TimestampNs);
        Assert.Equal(new ushort[] { 12 }, (await h.Client.ExpectAsync(MessageType.InvComplete)).Itags());
        Assert.Equal(3u, (await h.Client.ExpectAsync(MessageType.SyncAck)).SyncAck().FenceId);
        Received last = await h.Client.ExpectAsync(MessageType.InvComplete);
        Assert.Equal(new ushort[] { 13, 14 }, last.Itags());
        Assert.Equal(5u, last.Sequence); // CAPS 0, INV_COMPLETE 1, HEARTBEAT 2, INV_COMPLETE 3, SYNC_ACK 4: +1 per frame sent
    }

    [Theory]
    [MemberData(nameof(Transports))]
    public async Task A_duplicate_sync_is_acknowledged_again(string transport)
    {
        await using var h = await BoardHarness.StartAsync(transport);
        await h.Client.HandshakeAsync();
        h.Client.Queue(new SyncPayload(5));
        h.Client.Queue(new SyncPayload(5)); // the host resent it after a timeout
        await h.Client.FlushAsync();
        Assert.Equal(5u, (await h.Client.ExpectAsync(MessageType.SyncAck)).SyncAck().FenceId);
        Assert.Equal(5u, (await h.Client.ExpectAsync(MessageType.SyncAck)).SyncAck().FenceId);
    }

    [Theory]
    [MemberData(nameof(Transports))]
    public async Task A_corrupted_crc_is_NAKed_with_its_seq_and_the_stream_recovers(string transport)
    {
        await using var h = await BoardHarness.StartAsync(transport);
        await h.Client.HandshakeAsync();
        byte[] damaged = h.Client.Build(Inv(1, 5, 0x1000, itag: 3));
        uint damagedSeq = BinaryPrimitives.ReadUInt32LittleEndian(damaged.AsSpan(8));
        damaged[20] ^= 0x01; // one bit of the address
        h.Client.QueueBytes(damaged);
        h.Client.Queue(new SyncPayload(8));
        await h.Client.FlushAsync();
        NakPayload nak = (await h.Client.ExpectAsync(MessageType.Nak)).Nak();
        Assert.Equal((damagedSeq, NakReason.BadCrc), (nak.Sequence, nak.Reason));
        Assert.Equal(8u, (await h.Client.ExpectAsync(MessageType.SyncAck)).SyncAck().FenceId); // not covering the NAKed ATC_INV
    }

    [Fact]
    public async Task A_length_over_the_maximum_is_NAKed_BadLength()
    {
        await using var h = await BoardHarness.StartAsync("pipe");
        await h.Client.HandshakeAsync();
        byte[] bogus = h.Client.Build(new SyncPayload(1));
        BinaryPrimitives.WriteUInt32LittleEndian(bogus.AsSpan(12), FrameCodec.MaxPayload + 1);
        h.Client.QueueBytes(bogus);
        h.Client.Queue(new SyncPayload(2));
        await h.Client.FlushAsync();
        NakPayload nak = (await h.Client.ExpectAsync(MessageType.Nak)).Nak();
        Assert.Equal(NakReason.BadLength, nak.Reason);
        Assert.Equal(2u, (await h.Client.ExpectAsync(MessageType.SyncAck)).SyncAck().FenceId);
    }

    [Theory]
    [InlineData((byte)0x42)] // no such type
    [InlineData((byte)0x81)] // CAPS: a board → host type
    [InlineData((byte)0x84)] // ATC_DUMP_REPLY
    public async Task Unknown_types_are_NAKed_UnknownType(byte type)
    {
        await using var h = await BoardHarness.StartAsync("pipe");
        await h.Client.HandshakeAsync();
        uint seq = h.Client.QueueRaw((MessageType)type, new byte[24]);
        await h.Client.FlushAsync();
        NakPayload nak = (await h.Client.ExpectAsync(MessageType.Nak)).Nak();
        Assert.Equal((seq, NakReason.UnknownType), (nak.Sequence, nak.Reason));
    }

    public static TheoryData<string, byte, byte[]> MalformedPayloads => new()
    {
        { "ATC_INV sizeLog2 11", (byte)MessageType.AtcInv, [1, 0, 0, 0, 5, 0, 0, 0, 0, 0x10, 0, 0, 0, 0, 0, 0, 1, 0, 11, 0] },
        { "ATC_INV reserved flag", (byte)MessageType.AtcInv, [1, 0, 0, 0, 5, 0, 0, 0, 0, 0x10, 0, 0, 0, 0, 0, 0, 1, 0, 12, 2] },
        { "SYNC 3 bytes", (byte)MessageType.Sync, [1, 2, 3] },
        { "ATC_DUMP empty", (byte)MessageType.AtcDump, [] },
        { "ATC_FILL va misaligned", (byte)MessageType.AtcFill, [1, 0, 0, 0, 5, 0, 0, 0, 12, 1, 0, 0, 0x01, 0x10, 0, 0, 0, 0, 0, 0, 0, 0x10, 0, 0, 0, 0, 0, 0] },
        { "ATC_FILL global without PASID", (byte)MessageType.AtcFill, [1, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF, 12, 1, 1, 0, 0, 0x10, 0, 0, 0, 0, 0, 0, 0, 0x10, 0, 0, 0, 0, 0, 0] },
        { "ATC_FILL 27 bytes", (byte)MessageType.AtcFill, new byte[27] },
        { "HEARTBEAT 7 bytes", (byte)MessageType.Heartbeat, new byte[7] },
    };

    [Theory]
    [MemberData(nameof(MalformedPayloads))]
    public async Task Malformed_payloads_are_NAKed_BadPayload_and_change_nothing(string what, byte type, byte[] payload)
    {
        await using var h = await BoardHarness.StartAsync("pipe");
        await h.Client.HandshakeAsync();
        await h.Client.SendAsync(Fill(1, 5, 0x1000));
        uint seq = h.Client.QueueRaw((MessageType)type, payload);
        await h.Client.FlushAsync();
        NakPayload nak = (await h.Client.ExpectAsync(MessageType.Nak)).Nak();
        Assert.True((seq, NakReason.BadPayload) == (nak.Sequence, nak.Reason), what);
        Assert.Equal([(5u, 0x1000ul)], Keys(await h.Client.DumpAsync(1)));
    }

    [Fact]
    public async Task A_request_in_another_major_after_hello_is_NAKed_UnsupportedVersion()
    {
        await using var h = await BoardHarness.StartAsync("pipe");
        await h.Client.HandshakeAsync();
        uint seq = h.Client.QueueRaw(MessageType.Sync, [1, 0, 0, 0], new ProtocolVersion(2, 0));
        await h.Client.FlushAsync();
        NakPayload nak = (await h.Client.ExpectAsync(MessageType.Nak)).Nak();
        Assert.Equal((seq, NakReason.UnsupportedVersion), (nak.Sequence, nak.Reason));
    }

    [Theory]
    [MemberData(nameof(Transports))]
    public async Task Reset_empties_every_atc_and_is_acknowledged(string transport)
    {
        await using var h = await BoardHarness.StartAsync(transport);
        await h.Client.HandshakeAsync();
        h.Client.Queue(Fill(1, 5, 0x1000));
        h.Client.Queue(Fill(2, 6, 0x2000));
        h.Client.QueueRaw(MessageType.Reset, []);
        await h.Client.FlushAsync();
        await h.Client.ExpectAsync(MessageType.ResetAck);
        Assert.Empty(await h.Client.DumpAsync(1));
        Assert.Empty(await h.Client.DumpAsync(2));
    }

    [Fact]
    public async Task Reset_forgets_outstanding_itags()
    {
        await using var h = await BoardHarness.StartAsync("pipe", faults: new SoftBoardFaults { NeverComplete = true });
        await h.Client.HandshakeAsync();
        h.Client.Queue(Inv(1, 5, 0x1000, itag: 1));
        h.Client.QueueRaw(MessageType.Reset, []);
        await h.Client.FlushAsync();
        await h.Client.ExpectAsync(MessageType.ResetAck);
        h.Board.Faults = SoftBoardFaults.None;
        await h.Client.SendAsync(new HeartbeatPayload(1));
        await h.Client.ExpectAsync(MessageType.Heartbeat); // no INV_COMPLETE for itag 1 ever came before it
    }

    [Theory]
    [MemberData(nameof(Transports))]
    public async Task Heartbeats_are_echoed_even_before_hello(string transport)
    {
        await using var h = await BoardHarness.StartAsync(transport);
        await h.Client.SendAsync(new HeartbeatPayload(0x0102_0304_0506_0708));
        Assert.Equal(0x0102_0304_0506_0708ul, (await h.Client.ExpectAsync(MessageType.Heartbeat)).Heartbeat().TimestampNs);
    }

    [Fact]
    public async Task An_error_from_the_host_ends_the_handshake()
    {
        await using var h = await BoardHarness.StartAsync("pipe");
        await h.Client.HandshakeAsync();
        h.Client.Queue(new ErrorPayload(WireErrorCode.Internal, "host giving up"));
        h.Client.Queue(new SyncPayload(1));
        await h.Client.FlushAsync();
        Assert.StartsWith("HELLO expected", (await h.Client.ExpectAsync(MessageType.Error)).Error().Message);
        await h.Client.HandshakeAsync();
    }

    [Fact]
    public async Task Invalidations_beyond_maxBatch_or_maxOutstanding_are_NAKed_Busy()
    {
        await using var h = await BoardHarness.StartAsync("pipe", new SoftBoardOptions { MaxBatch = 2, MaxOutstanding = 3 });
        await h.Client.HandshakeAsync();
        h.Client.Queue(Inv(1, 5, 0x1000, itag: 1));
        h.Client.Queue(Inv(1, 5, 0x2000, itag: 2));
        uint third = h.Client.Queue(Inv(1, 5, 0x3000, itag: 3)); // a third in the batch
        h.Client.Queue(new SyncPayload(1));
        h.Client.Queue(Inv(1, 5, 0x3000, itag: 3));              // a new batch: accepted
        await h.Client.FlushAsync();
        Assert.Equal(new ushort[] { 1, 2 }, (await h.Client.ExpectAsync(MessageType.InvComplete)).Itags());
        NakPayload nak = (await h.Client.ExpectAsync(MessageType.Nak)).Nak();
        Assert.Equal((third, NakReason.Busy), (nak.Sequence, nak.Reason));
        await h.Client.ExpectAsync(MessageType.SyncAck);
        Assert.Equal(new ushort[] { 3 }, (await h.Client.ExpectAsync(MessageType.InvComplete)).Itags());

        // Outstanding: with completions withheld, the 4th unreported itag is refused.
        h.Board.Faults = new SoftBoardFaults { NeverComplete = true };
        h.Client.Queue(Inv(1, 5, 0x1000, itag: 4));
        h.Client.Queue(new SyncPayload(2)); // swallowed, but ends the batch
        h.Client.Queue(Inv(1, 5, 0x1000, itag: 5));
        h.Client.Queue(new SyncPayload(3));
        h.Client.Queue(Inv(1, 5, 0x1000, itag: 6));
        h.Client.Queue(new SyncPayload(4));
        uint fourth = h.Client.Queue(Inv(1, 5, 0x1000, itag: 7));
        await h.Client.FlushAsync();
        nak = (await h.Client.ExpectAsync(MessageType.Nak)).Nak();
        Assert.Equal((fourth, NakReason.Busy), (nak.Sequence, nak.Reason));
    }

    [Fact]
    public async Task A_dump_of_more_than_2730_entries_is_truncated()
    {
        await using var h = await BoardHarness.StartAsync("pipe", new SoftBoardOptions { Geometry = new AtcGeometry(8192, 8) });
        Atc atc = h.Board.GetAtc(3);
        for (uint i = 0; i < 3000; i++)
            atc.Insert(new AtcEntry(1, 0x1000_0000 + i * 0x1000ul, 12, 0x2000_0000 + i * 0x1000ul, AtsPermissions.Read, false, 0));
        Assert.True(atc.Count > AtcDumpReplyPayload.MaxEntries, $"the ATC holds {atc.Count}");
        await h.Client.HandshakeAsync();
        await h.Client.SendAsync(new AtcDumpPayload(3));
        List<AtcDumpEntry> entries = (await h.Client.ExpectAsync(MessageType.AtcDumpReply)).Dump(out uint sid, out bool truncated);
        Assert.Equal((3u, 2730, true), (sid, entries.Count, truncated));
        Assert.Equal(0x1000_0000ul, entries[0].Va); // oldest first
    }

    [Fact]
    public async Task A_dump_of_an_unknown_sid_is_empty()
    {
        await using var h = await BoardHarness.StartAsync("pipe");
        await h.Client.HandshakeAsync();
        Assert.Empty(await h.Client.DumpAsync(99));
        Assert.False(h.Board.TryGetAtc(99, out _)); // asking does not create one
    }

    [Theory]
    [MemberData(nameof(Transports))]
    public async Task A_frame_split_over_many_writes_is_reassembled(string transport)
    {
        await using var h = await BoardHarness.StartAsync(transport);
        byte[] hello = h.Client.Build(new HelloPayload(ProtocolVersion.Current, "slow host"));
        foreach (byte b in hello)
        {
            h.Client.QueueBytes([b]);
            await h.Client.FlushAsync(); // one byte per write
        }
        await h.Client.ExpectAsync(MessageType.Caps);
    }

    [Theory]
    [MemberData(nameof(Transports))]
    public async Task Many_frames_in_one_write_are_all_answered_in_order(string transport)
    {
        await using var h = await BoardHarness.StartAsync(transport);
        for (ulong i = 0; i < 500; i++)
            h.Client.Queue(new HeartbeatPayload(i));
        await h.Client.FlushAsync();
        for (ulong i = 0; i < 500; i++)
        {
            Received echo = await h.Client.ExpectAsync(MessageType.Heartbeat);
            Assert.Equal((i, (uint)i), (echo.Heartbeat().TimestampNs, echo.Sequence));
        }
    }

    [Fact]
    public async Task The_session_says_why_it_ended()
    {
        await using (var h = await BoardHarness.StartAsync("pipe"))
        {
            await h.Client.HandshakeAsync();
            await h.Client.CompleteOutputAsync();
            Assert.Equal(SoftBoardSessionEnd.PeerClosed, await h.Session!.WaitAsync(BoardTestClient.HangGuard));
        }
        await using (var h = await BoardHarness.StartAsync("pipe"))
        {
            h.Client.QueueBytes(h.Client.Build(new SyncPayload(1)).AsSpan(0, 10)); // half a frame, then hang up
            await h.Client.FlushAsync();
            await h.Client.CompleteOutputAsync();
            Assert.Equal(SoftBoardSessionEnd.PeerClosedInsideFrame, await h.Session!.WaitAsync(BoardTestClient.HangGuard));
        }
    }
}

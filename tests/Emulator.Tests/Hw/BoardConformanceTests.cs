using System.Buffers.Binary;
using Emulator.Core.Pcie;
using Emulator.Core.Wire;
using Emulator.Tests.FirmwareStub;

namespace Emulator.Tests.Hw;

/// <summary>The wire protocol's board side, one suite for both boards: every test runs against the software
/// board ("stub") and the gateware in board-sim ("rtl") over a Unix socket, and asserts the same frames.</summary>
public class BoardConformanceTests
{
    private static AtcFillPayload Fill(uint sid, uint pasid, ulong va, byte sizeLog2 = 12, bool global = false) =>
        new(sid, new AtcDumpEntry(pasid, va, sizeLog2, 0x8000_0000 + va, WirePermissions.Read | WirePermissions.Write, global));

    private static AtcInvPayload Inv(uint sid, uint pasid, ulong address, byte sizeLog2 = 12, bool global = false, ushort itag = 0) =>
        new(sid, pasid, global, address, sizeLog2, itag);

    private static List<(uint Pasid, ulong Va, byte Size)> Keys(List<AtcDumpEntry> entries) => entries.ConvertAll(e => (e.Pasid, e.Va, e.SizeLog2));

    [Theory, InlineData("stub"), RtlBoardData]
    public async Task Hello_is_answered_with_caps_numbered_from_zero(string kind)
    {
        await using var board = await HwBoard.StartAsync(kind);
        await using var client = await board.ConnectAsync();
        await client.SendAsync(new HelloPayload(ProtocolVersion.Current, "host-a"));
        Received caps = await client.ExpectAsync(MessageType.Caps);
        Assert.Equal(0u, caps.Sequence); // the board's own counter starts at 0 per connection
        CapsPayload c = caps.Caps();
        Assert.Equal(ProtocolVersion.Current, c.Version);
        Assert.True(c.AtcEntries >= 16 && c.AtcEntries % c.AtcWays == 0 && c.MaxBatch >= 256 && c.MaxOutstanding >= 256, $"{kind}: {c}");
    }

    [Theory, InlineData("stub"), RtlBoardData]
    public async Task Another_major_is_refused_with_the_stubs_words_and_the_connection_closes(string kind)
    {
        await using var board = await HwBoard.StartAsync(kind);
        await using var client = await board.ConnectAsync();
        var hello = new HelloPayload(new ProtocolVersion(2, 0), "v2");
        var bytes = new byte[hello.Size];
        hello.Write(bytes);
        client.QueueRaw(MessageType.Hello, bytes, new ProtocolVersion(2, 0));
        client.Queue(new SyncPayload(1)); // behind the refused HELLO: never answered
        await client.FlushAsync();
        ErrorPayload error = (await client.ExpectAsync(MessageType.Error)).Error();
        Assert.Equal((WireErrorCode.VersionRefused, "refused: host speaks protocol 2.0, board speaks 1.0"), (error.Code, error.Message));
        await client.ExpectClosedAsync();

        await using var again = await board.ConnectAsync();
        await again.SendAsync(new HelloPayload(new ProtocolVersion(13, 255), "v13 in a v1 header"));
        Assert.Equal("refused: host speaks protocol 13.255, board speaks 1.0", (await again.ExpectAsync(MessageType.Error)).Error().Message);
        await again.ExpectClosedAsync();
    }

    [Theory, InlineData("stub"), RtlBoardData]
    public async Task Requests_before_hello_get_an_error_naming_them_and_the_board_keeps_waiting(string kind)
    {
        await using var board = await HwBoard.StartAsync(kind);
        await using var client = await board.ConnectAsync();
        for (uint i = 0; i < 1234; i++) client.Queue(new HeartbeatPayload(i)); // seq 1234 next: a 4-digit seq
        client.Queue(new SyncPayload(5));
        client.Queue(Fill(1, 5, 0x1000));
        await client.FlushAsync();
        for (int i = 0; i < 1234; i++) await client.ExpectAsync(MessageType.Heartbeat); // heartbeats need no HELLO
        Assert.Equal((WireErrorCode.Unspecified, "HELLO expected before Sync (seq 1234)"), Decode((await client.ExpectAsync(MessageType.Error)).Error()));
        Assert.Equal("HELLO expected before AtcFill (seq 1235)", (await client.ExpectAsync(MessageType.Error)).Error().Message);
        await client.HandshakeAsync();
        Assert.Empty(await client.DumpAsync(1)); // the refused fill changed nothing

        static (WireErrorCode, string) Decode(ErrorPayload e) => (e.Code, e.Message);
    }

    [Theory, InlineData("stub"), RtlBoardData]
    public async Task A_batch_of_256_invalidations_is_completed_before_its_sync_ack(string kind)
    {
        await using var board = await HwBoard.StartAsync(kind);
        await using var client = await board.ConnectAsync();
        await client.HandshakeAsync();
        for (uint i = 0; i < 16; i++) client.Queue(Fill(1, 5, 0x100000 + i * 0x1000));
        for (ushort i = 0; i < 256; i++) client.Queue(Inv(1, 5, 0x100000 + i * 0x1000u, itag: i));
        client.Queue(new SyncPayload(42));
        client.Queue(new HeartbeatPayload(1));
        await client.FlushAsync();
        var completed = new List<ushort>();
        Assert.Equal(42u, (await client.ExpectPastCompletionsAsync(MessageType.SyncAck, completed)).SyncAck().FenceId);
        await client.ExpectAsync(MessageType.Heartbeat); // nothing pending behind the SYNC_ACK
        // Every itag was named by an INV_COMPLETE before the SYNC_ACK: a SYNC_ACK is not an implicit completion.
        Assert.Equal(Enumerable.Range(0, 256).Select(i => (ushort)i), completed.Order());
        Assert.Empty(await client.DumpAsync(1)); // and the 16 filled pages are gone
    }

    [Theory, InlineData("stub"), RtlBoardData]
    public async Task Completions_are_batched_and_keep_the_order_of_the_requests(string kind)
    {
        await using var board = await HwBoard.StartAsync(kind);
        await using var client = await board.ConnectAsync();
        await client.HandshakeAsync();
        client.Queue(Inv(1, 5, 0x1000, itag: 10));
        client.Queue(Inv(1, 5, 0x2000, itag: 11));
        client.Queue(new HeartbeatPayload(7));   // a reply: the completions before it go first
        client.Queue(Inv(1, 5, 0x3000, itag: 12));
        client.Queue(new SyncPayload(3));        // INV_COMPLETE {12} before its SYNC_ACK
        client.Queue(Inv(1, 5, 0x4000, itag: 13));
        client.Queue(Inv(1, 5, 0x5000, itag: 14)); // end of the input: one INV_COMPLETE
        await client.FlushAsync();
        Assert.Equal(new ushort[] { 10, 11 }, (await client.ExpectAsync(MessageType.InvComplete)).Itags());
        Assert.Equal(7ul, (await client.ExpectAsync(MessageType.Heartbeat)).Heartbeat().TimestampNs);
        Assert.Equal(new ushort[] { 12 }, (await client.ExpectAsync(MessageType.InvComplete)).Itags());
        Assert.Equal(3u, (await client.ExpectAsync(MessageType.SyncAck)).SyncAck().FenceId);
        Received last = await client.ExpectAsync(MessageType.InvComplete);
        Assert.Equal(new ushort[] { 13, 14 }, last.Itags());
        Assert.Equal(5u, last.Sequence); // CAPS 0, INV_COMPLETE 1, HEARTBEAT 2, INV_COMPLETE 3, SYNC_ACK 4
    }

    [Theory, InlineData("stub"), RtlBoardData]
    public async Task A_duplicate_sync_is_acknowledged_again(string kind)
    {
        await using var board = await HwBoard.StartAsync(kind);
        await using var client = await board.ConnectAsync();
        await client.HandshakeAsync();
        client.Queue(new SyncPayload(5));
        client.Queue(new SyncPayload(5));
        await client.FlushAsync();
        Assert.Equal(5u, (await client.ExpectAsync(MessageType.SyncAck)).SyncAck().FenceId);
        Assert.Equal(5u, (await client.ExpectAsync(MessageType.SyncAck)).SyncAck().FenceId);
    }

    [Theory, InlineData("stub"), RtlBoardData]
    public async Task Damaged_frames_are_NAKed_with_their_seq_and_the_stream_recovers(string kind)
    {
        await using var board = await HwBoard.StartAsync(kind);
        await using var client = await board.ConnectAsync();
        await client.HandshakeAsync();
        await client.SendAsync(Fill(1, 5, 0x1000));
        byte[] damaged = client.Build(Inv(1, 5, 0x1000, itag: 3));
        uint damagedSeq = BinaryPrimitives.ReadUInt32LittleEndian(damaged.AsSpan(8));
        damaged[20] ^= 0x01;                       // one bit of the address: BadCrc
        client.QueueBytes(damaged);
        byte[] bogus = client.Build(new SyncPayload(1));
        uint bogusSeq = BinaryPrimitives.ReadUInt32LittleEndian(bogus.AsSpan(8));
        BinaryPrimitives.WriteUInt32LittleEndian(bogus.AsSpan(12), FrameCodec.MaxPayload + 1); // BadLength
        client.QueueBytes(bogus);
        client.QueueBytes([0x00, 0x53, 0x56, 0x41, 0x53, 0x11, 0x42]); // garbage, with magic prefixes: skipped silently
        client.Queue(new SyncPayload(8));
        await client.FlushAsync();
        NakPayload nak = (await client.ExpectAsync(MessageType.Nak)).Nak();
        Assert.Equal((damagedSeq, NakReason.BadCrc), (nak.Sequence, nak.Reason));
        nak = (await client.ExpectAsync(MessageType.Nak)).Nak();
        Assert.Equal((bogusSeq, NakReason.BadLength), (nak.Sequence, nak.Reason));
        Assert.Equal(8u, (await client.ExpectAsync(MessageType.SyncAck)).SyncAck().FenceId);
        Assert.Single(await client.DumpAsync(1)); // the NAKed invalidation was not applied
    }

    [Theory, InlineData("stub"), RtlBoardData]
    public async Task Unknown_types_malformed_payloads_and_other_majors_are_NAKed_and_change_nothing(string kind)
    {
        await using var board = await HwBoard.StartAsync(kind);
        await using var client = await board.ConnectAsync();
        await client.HandshakeAsync();
        await client.SendAsync(Fill(1, 5, 0x1000));
        foreach (byte type in (byte[])[0x42, 0x81, 0x84])
        {
            uint seq = client.QueueRaw((MessageType)type, new byte[24]);
            await client.FlushAsync();
            NakPayload nak = (await client.ExpectAsync(MessageType.Nak)).Nak();
            Assert.True((seq, NakReason.UnknownType) == (nak.Sequence, nak.Reason), $"{kind}: type 0x{type:x2}");
        }
        foreach (object[] row in SoftBoardProtocolTests.MalformedPayloads)
        {
            uint seq = client.QueueRaw((MessageType)(byte)row[1], (byte[])row[2]);
            await client.FlushAsync();
            NakPayload nak = (await client.ExpectAsync(MessageType.Nak)).Nak();
            Assert.True((seq, NakReason.BadPayload) == (nak.Sequence, nak.Reason), $"{kind}: {row[0]}");
        }
        uint v2 = client.QueueRaw(MessageType.Sync, [1, 0, 0, 0], new ProtocolVersion(2, 0));
        await client.FlushAsync();
        NakPayload version = (await client.ExpectAsync(MessageType.Nak)).Nak();
        Assert.Equal((v2, NakReason.UnsupportedVersion), (version.Sequence, version.Reason));
        Assert.Equal([(5u, 0x1000ul, (byte)12)], Keys(await client.DumpAsync(1)));
    }

    [Theory, InlineData("stub"), RtlBoardData]
    public async Task Invalidations_follow_the_PASID_global_and_range_rules_of_the_Atc_model(string kind)
    {
        await using var board = await HwBoard.StartAsync(kind);
        await using var client = await board.ConnectAsync();
        await client.HandshakeAsync();
        var model = new Atc();
        AtcFillPayload[] fills =
        [
            Fill(1, 5, 0x10000), Fill(1, 5, 0x11000), Fill(1, 6, 0x10000), Fill(1, 7, 0x20000, global: true),
            Fill(1, AtcInvPayload.NoPasid, 0x10000), Fill(1, 5, 0x200000, sizeLog2: 21), Fill(1, 6, 0x40000000, sizeLog2: 30),
            Fill(1, 5, 0x12000), Fill(1, 5, 0x12000, sizeLog2: 13), // the ranged one replaces the 4 KiB one it overlaps
        ];
        foreach (AtcFillPayload f in fills)
        {
            client.Queue(f);
            model.Insert(AtcEntryWire.ToAtcEntry(f.Entry));
        }
        AtcInvPayload[] invs =
        [
            Inv(1, 5, 0x10fff, itag: 1),                         // pasid 5's own page only
            Inv(1, 7, 0x20000, itag: 2),                         // the global entry stays without Global
            Inv(1, 6, 0x300000, sizeLog2: 22, itag: 3),          // nothing of pasid 6 there
            Inv(1, 5, 0x201000, itag: 4),                        // one byte of a 2 MiB entry: it goes whole
            Inv(1, 9, 0x20000, global: true, itag: 5),           // Global: every tagged entry there, the global one too
            Inv(1, AtcInvPayload.NoPasid, 0x40000123, sizeLog2: 12, itag: 6), // no PASID: every entry in range
        ];
        var expected = new List<List<(uint, ulong, byte)>>();
        foreach (AtcInvPayload inv in invs)
        {
            client.Queue(inv);
            client.Queue(new AtcDumpPayload(1));
            model.Invalidate(inv.Pasid == AtcInvPayload.NoPasid ? AtcEntry.NoPasid : inv.Pasid, inv.Address, inv.SizeLog2, inv.Global);
            var now = new List<AtcEntry>();
            model.Dump(now);
            expected.Add(now.ConvertAll(e => (e.Pasid, e.Va, (byte)e.SizeLog2)));
        }
        await client.FlushAsync();
        for (int i = 0; i < invs.Length; i++)
        {
            var completed = new List<ushort>();
            List<AtcDumpEntry> dump = (await client.ExpectPastCompletionsAsync(MessageType.AtcDumpReply, completed)).Dump(out _, out _);
            // Oldest first, exactly the model's entries after the same invalidation.
            Assert.True(expected[i].SequenceEqual(Keys(dump)), $"{kind} after {invs[i]}: model [{string.Join(", ", expected[i])}] board [{string.Join(", ", Keys(dump))}]");
            Assert.Equal([invs[i].Itag], completed); // and its completion came before the dump reply
        }
        await client.SendAsync(Inv(1, 5, 0, sizeLog2: AtcInvPayload.WholeSpaceSizeLog2, global: true, itag: 7));
        Assert.DoesNotContain(Keys(await client.DumpAsync(1)), k => k.Pasid != AtcInvPayload.NoPasid); // 2^64: all tagged
    }

    [Theory, InlineData("stub"), RtlBoardData]
    public async Task Reset_empties_every_atc_and_a_reconnecting_host_finds_the_atc_as_it_left_it(string kind)
    {
        await using var board = await HwBoard.StartAsync(kind);
        await using (var first = await board.ConnectAsync())
        {
            await first.HandshakeAsync();
            first.Queue(Fill(1, 5, 0x1000));
            first.Queue(Fill(2, 6, 0x2000));
            await first.FlushAsync();
            Assert.Single(await first.DumpAsync(2));
        }
        await using var second = await board.ConnectAsync();
        await second.SendAsync(new HelloPayload(ProtocolVersion.Current, "again"));
        Received caps = await second.ExpectAsync(MessageType.Caps);
        Assert.Equal(0u, caps.Sequence); // a new connection: the board numbers from 0 again
        Assert.Single(await second.DumpAsync(1)); // the ATCs belong to the board, not to the connection
        second.QueueRaw(MessageType.Reset, []);
        await second.FlushAsync();
        await second.ExpectAsync(MessageType.ResetAck);
        Assert.Empty(await second.DumpAsync(1));
        Assert.Empty(await second.DumpAsync(2));
        Assert.Empty(await second.DumpAsync(99)); // and a SID never filled is simply empty
    }

    [Theory, InlineData("stub"), RtlBoardData]
    public async Task Frames_split_byte_by_byte_or_packed_500_to_a_write_are_all_answered_in_order(string kind)
    {
        await using var board = await HwBoard.StartAsync(kind);
        await using var client = await board.ConnectAsync();
        foreach (byte b in client.Build(new HelloPayload(ProtocolVersion.Current, "slow host")))
        {
            client.QueueBytes([b]);
            await client.FlushAsync();
        }
        await client.ExpectAsync(MessageType.Caps);
        for (ulong i = 0; i < 500; i++) client.Queue(new HeartbeatPayload(i));
        await client.FlushAsync();
        for (ulong i = 0; i < 500; i++)
        {
            Received echo = await client.ExpectAsync(MessageType.Heartbeat);
            Assert.Equal((i, (uint)i + 1), (echo.Heartbeat().TimestampNs, echo.Sequence));
        }
    }

    [Theory, InlineData("stub"), RtlBoardData]
    public async Task Invalidations_beyond_maxBatch_are_NAKed_Busy_and_not_applied(string kind)
    {
        await using var board = await HwBoard.StartAsync(kind);
        await using var client = await board.ConnectAsync();
        CapsPayload caps = await client.HandshakeAsync();
        await client.SendAsync(Fill(1, 5, 0x1000));
        for (uint i = 0; i < caps.MaxBatch; i++) client.Queue(Inv(1, 5, 0x100000, itag: (ushort)i));
        uint over = client.Queue(Inv(1, 5, 0x1000, itag: 9999)); // one more in the batch
        client.Queue(new SyncPayload(1));
        await client.FlushAsync();
        var completed = new List<ushort>();
        NakPayload nak = (await client.ExpectPastCompletionsAsync(MessageType.Nak, completed)).Nak();
        Assert.Equal((over, NakReason.Busy), (nak.Sequence, nak.Reason));
        await client.ExpectPastCompletionsAsync(MessageType.SyncAck, completed);
        Assert.Equal((int)caps.MaxBatch, completed.Count); // the refused one was never completed...
        Assert.Single(await client.DumpAsync(1));          // ...nor applied
    }

    [Theory, InlineData("stub"), RtlBoardData]
    public async Task After_a_seeded_random_stream_of_damaged_frames_the_board_still_answers_hello(string kind)
    {
        const int seed = 99;
        var random = new Random(seed);
        await using var board = await HwBoard.StartAsync(kind);
        await using var client = await board.ConnectAsync();
        for (int i = 0; i < 300; i++)
        {
            byte[] frame = random.Next(3) switch
            {
                0 => client.Build(Inv(1, 5, 0x1000, itag: (ushort)i)),
                1 => client.Build(new SyncPayload((uint)i)),
                _ => client.Build(new HeartbeatPayload((ulong)i)),
            };
            int cut = random.Next(3) == 0 ? random.Next(1, frame.Length) : frame.Length; // truncated sometimes
            for (int k = 0; k < 1 + random.Next(3); k++) frame[random.Next(frame.Length)] ^= (byte)(1 << random.Next(8));
            client.QueueBytes(frame.AsSpan(0, cut));
        }
        // A damaged length may still claim up to 64 KiB: bytes without a magic end any such frame.
        client.QueueBytes(new byte[FrameCodec.MaxFrameLength]);
        client.Queue(new HelloPayload(ProtocolVersion.Current, "after the storm"));
        await client.FlushAsync();
        // Whatever the damage drew (NAKs, errors), the HELLO is answered with CAPS: no lock-up.
        while (true)
        {
            Received r = await client.ReceiveAsync();
            Assert.False(r.Closed, $"seed {seed}: the board hung up");
            if (r.IsFrame && r.Type == MessageType.Caps) break;
        }
    }
}

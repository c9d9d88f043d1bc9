using System.Buffers;
using Emulator.Core.Wire;

namespace Emulator.Tests.Wire;

public class FrameCodecTests
{
    // SYNC fence 0x11223344 as frame seq 0x01020304, version 1.0, worked out by hand:
    private static readonly byte[] KnownSyncFrame =
    [
        0x53, 0x56, 0x41, 0x42, // 0: magic "SVAB"
        0x01, 0x00,             // 4: major 1, 5: minor 0
        0x03,                   // 6: type Sync
        0x00,                   // 7: flags
        0x04, 0x03, 0x02, 0x01, // 8: seq 0x01020304
        0x04, 0x00, 0x00, 0x00, // 12: payload length 4
        0x44, 0x33, 0x22, 0x11, // 16: fence 0x11223344
        0xC3, 0xDB, 0x1B, 0x62, // 20: CRC32C of bytes 0..19 = 0x621BDBC3 (bitwise reference implementation)
    ];

    private static byte[] Frame<T>(uint seq, in T payload) where T : struct, IWirePayload
    {
        var buffer = new byte[FrameCodec.GetFrameLength(payload.Size)];
        Assert.Equal(buffer.Length, FrameCodec.WriteFrame(buffer, seq, payload));
        return buffer;
    }

    private static (bool Ok, Frame Frame, long Consumed, long Examined, FrameError Error) Parse(in ReadOnlySequence<byte> buffer)
    {
        bool ok = FrameCodec.TryParseFrame(buffer, out var frame, out var consumed, out var examined, out var error);
        return (ok, frame, buffer.Slice(0, consumed).Length, buffer.Slice(0, examined).Length, error);
    }

    [Fact]
    public void Header_and_crc_bytes_of_a_known_frame()
    {
        Assert.Equal(KnownSyncFrame, Frame(0x0102_0304, new SyncPayload(0x1122_3344)));
    }

    [Fact]
    public void Empty_payload_frame()
    {
        var buffer = new byte[FrameCodec.Overhead];
        FrameCodec.WriteFrame(buffer, MessageType.Reset, 7, ReadOnlySpan<byte>.Empty);
        // magic, 1.0, type 0x05, flags 0, seq 7, length 0, CRC32C(16 header bytes) = 0xEF2E1C81.
        Assert.Equal(new byte[] { 0x53, 0x56, 0x41, 0x42, 1, 0, 5, 0, 7, 0, 0, 0, 0, 0, 0, 0, 0x81, 0x1C, 0x2E, 0xEF }, buffer);
    }

    [Fact]
    public void Parses_a_frame_and_slices_its_payload_without_copying()
    {
        var buffer = new ReadOnlySequence<byte>(KnownSyncFrame);
        var r = Parse(buffer);
        Assert.True(r.Ok);
        Assert.Equal((MessageType.Sync, 0x0102_0304u, new ProtocolVersion(1, 0)), (r.Frame.Type, r.Frame.Sequence, r.Frame.Version));
        Assert.Equal(24, r.Consumed);
        Assert.Equal(24, r.Examined);
        // The payload is the receive buffer itself at offset 16, not a copy.
        Assert.True(System.Runtime.InteropServices.MemoryMarshal.TryGetArray(r.Frame.Payload.First, out var segment));
        Assert.Same(KnownSyncFrame, segment.Array);
        Assert.Equal(16, segment.Offset);
        Assert.True(SyncPayload.TryRead(r.Frame.GetPayloadSpan(stackalloc byte[4]), out var sync));
        Assert.Equal(0x1122_3344u, sync.FenceId);
    }

    [Fact]
    public void Every_proper_prefix_needs_more_data_and_consumes_nothing()
    {
        for (int n = 0; n < KnownSyncFrame.Length; n++)
        {
            var r = Parse(new ReadOnlySequence<byte>(KnownSyncFrame, 0, n));
            Assert.False(r.Ok);
            Assert.False(r.Error.IsError, $"prefix {n} reported {r.Error}");
            Assert.Equal(0, r.Consumed);   // nothing consumed ...
            Assert.Equal(n, r.Examined);   // ... everything examined, so a PipeReader waits for more
        }
    }

    [Fact]
    public void A_stream_of_frames_parses_the_same_however_it_is_split_into_segments()
    {
        var stream = new List<byte>();
        stream.AddRange(Frame(1, new AtcInvPayload(3, 0x42, false, 0x1000, 12, 9)));
        stream.AddRange(KnownSyncFrame);
        var empty = new byte[FrameCodec.Overhead];
        FrameCodec.WriteFrame(empty, MessageType.Reset, 3, ReadOnlySpan<byte>.Empty);
        stream.AddRange(empty);
        stream.AddRange(Frame(4, new HelloPayload(new ProtocolVersion(1, 0), "host")));
        byte[] bytes = stream.ToArray();
        (MessageType, uint, int)[] expected =
            [(MessageType.AtcInv, 1, 20), (MessageType.Sync, 0x0102_0304, 4), (MessageType.Reset, 3, 0), (MessageType.Hello, 4, 8)];

        // 1 segment, then every cut a, then every pair of cuts (a, b): 1..3 segments.
        var cutSets = new List<int[]> { Array.Empty<int>() };
        for (int a = 0; a <= bytes.Length; a++)
        {
            cutSets.Add([a]);
            for (int b = a; b <= bytes.Length; b++)
                cutSets.Add([a, b]);
        }

        foreach (int[] cuts in cutSets)
        {
            ReadOnlySequence<byte> buffer = Segments.Split(bytes, cuts);
            var seen = new List<(MessageType, uint, int)>();
            byte[] scratch = new byte[FrameCodec.MaxPayload];
            while (FrameCodec.TryParseFrame(buffer, out var frame, out var consumed, out _, out var error))
            {
                // The payload bytes are the ones written, even when split across segments.
                seen.Add((frame.Type, frame.Sequence, frame.GetPayloadSpan(scratch).Length));
                buffer = buffer.Slice(consumed);
            }
            Assert.Equal(expected, seen.ToArray());
            Assert.Equal(0, buffer.Length);
        }
    }

    [Fact]
    public void Bad_magic_resynchronises_at_the_next_magic_and_reports_the_skipped_bytes()
    {
        byte[] garbage = [0x00, 0x53, 0x56, 0x00, 0xFF]; // contains a false start "SV"
        byte[] bytes = [.. garbage, .. KnownSyncFrame];
        var buffer = new ReadOnlySequence<byte>(bytes);

        var r = Parse(buffer);
        Assert.False(r.Ok);
        Assert.Equal(FrameErrorKind.BadMagic, r.Error.Kind);
        Assert.Equal(5, r.Error.SkippedBytes); // all the garbage, the false "SV" too
        Assert.Equal(5, r.Consumed);

        r = Parse(buffer.Slice(r.Consumed));
        Assert.True(r.Ok);                     // the real frame after the garbage
        Assert.Equal(0x0102_0304u, r.Frame.Sequence);
    }

    [Fact]
    public void Bad_magic_keeps_a_trailing_magic_prefix_that_may_complete_later()
    {
        byte[] bytes = [0x01, 0x02, 0x53, 0x56, 0x41]; // garbage then "SVA"
        var r = Parse(new ReadOnlySequence<byte>(bytes));
        Assert.Equal(FrameErrorKind.BadMagic, r.Error.Kind);
        Assert.Equal(2, r.Error.SkippedBytes);

        r = Parse(new ReadOnlySequence<byte>(bytes, 2, 3));
        Assert.False(r.Error.IsError); // "SVA": need more, not garbage
    }

    [Fact]
    public void Bad_crc_consumes_the_frame_and_reports_its_sequence_for_a_nak()
    {
        byte[] corrupt = (byte[])KnownSyncFrame.Clone();
        corrupt[17] ^= 0x40; // one payload bit flipped in transit
        byte[] bytes = [.. corrupt, .. KnownSyncFrame];
        var buffer = new ReadOnlySequence<byte>(bytes);

        var r = Parse(buffer);
        Assert.False(r.Ok);
        Assert.Equal(FrameErrorKind.BadCrc, r.Error.Kind);
        Assert.Equal(0x0102_0304u, r.Error.Sequence);
        Assert.Equal(MessageType.Sync, r.Error.Type);
        Assert.Equal(NakReason.BadCrc, r.Error.NakReason);
        Assert.Equal(24, r.Consumed);         // exactly the damaged frame

        Assert.True(Parse(buffer.Slice(r.Consumed)).Ok); // the resent copy behind it is fine
    }

    [Fact]
    public void Length_above_max_payload_is_bad_length_and_resynchronises()
    {
        byte[] bad = (byte[])KnownSyncFrame[..16].Clone();
        bad[12] = 0x01; bad[13] = 0x00; bad[14] = 0x01; bad[15] = 0x00; // length 0x00010001 = MaxPayload + 1
        byte[] bytes = [.. bad, .. KnownSyncFrame];
        var buffer = new ReadOnlySequence<byte>(bytes);

        var r = Parse(buffer);
        Assert.Equal(FrameErrorKind.BadLength, r.Error.Kind);
        Assert.Equal(0x0102_0304u, r.Error.Sequence);
        Assert.Equal(FrameCodec.MaxPayload + 1u, r.Error.ClaimedLength);
        Assert.Equal(NakReason.BadLength, r.Error.NakReason);
        Assert.Equal(16, r.Error.SkippedBytes); // up to the next magic

        Assert.True(Parse(buffer.Slice(r.Consumed)).Ok);
    }

    [Fact]
    public void Max_payload_itself_is_accepted()
    {
        var payload = new byte[FrameCodec.MaxPayload];
        new Random(6).NextBytes(payload);
        var buffer = new byte[FrameCodec.MaxFrameLength];
        FrameCodec.WriteFrame(buffer, MessageType.AtcDumpReply, 1, payload);
        var r = Parse(new ReadOnlySequence<byte>(buffer));
        Assert.True(r.Ok);
        Assert.Equal(FrameCodec.MaxPayload, r.Frame.Payload.Length);
        Assert.Throws<ArgumentOutOfRangeException>(() =>
            FrameCodec.WriteFrame(new byte[FrameCodec.MaxFrameLength + 1], MessageType.AtcDumpReply, 1, new byte[FrameCodec.MaxPayload + 1]));
    }

    [Fact]
    public void Closing_inside_a_frame_is_invalid_data_with_a_clear_message()
    {
        FrameCodec.ThrowIfIncomplete(ReadOnlySequence<byte>.Empty); // clean close: nothing left over

        var ex = Assert.Throws<InvalidDataException>(() => FrameCodec.ThrowIfIncomplete(new ReadOnlySequence<byte>(KnownSyncFrame, 0, 18)));
        Assert.Equal("connection closed inside a frame: 18 bytes of a 24-byte frame", ex.Message);

        ex = Assert.Throws<InvalidDataException>(() => FrameCodec.ThrowIfIncomplete(new ReadOnlySequence<byte>(KnownSyncFrame, 0, 5)));
        Assert.Equal("connection closed inside a frame: 5 bytes of a 16-byte frame header", ex.Message);
    }

    [Fact]
    public void Another_major_version_is_refused_with_both_versions_named()
    {
        // The frame layer delimits any version (the header is frozen); the session refuses it.
        var buffer = new byte[FrameCodec.Overhead + 4];
        new SyncPayload(1).Write(FrameCodec.BeginFrame(buffer, MessageType.Sync, 1, 4, new ProtocolVersion(2, 3)));
        FrameCodec.CompleteFrame(buffer);
        var r = Parse(new ReadOnlySequence<byte>(buffer));
        Assert.True(r.Ok);

        VersionVerdict verdict = ProtocolVersion.Check(ProtocolVersion.Current, r.Frame.Version);
        Assert.False(verdict.IsAccepted);
        Assert.Equal("refused: board speaks protocol 2.3, emulator speaks 1.0", verdict.Refusal);

        verdict = ProtocolVersion.Check(new ProtocolVersion(1, 4), new ProtocolVersion(1, 2));
        Assert.True(verdict.IsAccepted);                         // same major: talk ...
        Assert.Equal(new ProtocolVersion(1, 2), verdict.Negotiated); // ... at the lower minor
    }

    [Fact]
    public void Buffer_writer_overload_appends_frames()
    {
        var writer = new ArrayBufferWriter<byte>();
        FrameCodec.WriteFrame(writer, 0x0102_0304, new SyncPayload(0x1122_3344));
        FrameCodec.WriteFrame(writer, MessageType.Sync, 0x0102_0304, [0x44, 0x33, 0x22, 0x11]);
        Assert.Equal([.. KnownSyncFrame, .. KnownSyncFrame], writer.WrittenSpan.ToArray());
    }

    [Fact]
    public void Seeded_random_frames_round_trip_through_random_segmentation()
    {
        int seed = Environment.TickCount;
        var random = new Random(seed);
        for (int iteration = 0; iteration < 300; iteration++)
        {
            int count = random.Next(1, 6);
            var stream = new List<byte>();
            var expected = new List<(MessageType Type, uint Seq, byte[] Payload)>();
            for (int i = 0; i < count; i++)
            {
                var payload = new byte[random.Next(0, random.Next(2) == 0 ? 64 : 3000)];
                random.NextBytes(payload);
                var type = (MessageType)random.Next(256);
                uint seq = (uint)random.NextInt64(uint.MaxValue + 1L);
                var frame = new byte[FrameCodec.GetFrameLength(payload.Length)];
                FrameCodec.WriteFrame(frame, type, seq, payload);
                stream.AddRange(frame);
                expected.Add((type, seq, payload));
            }
            byte[] bytes = stream.ToArray();
            int a = random.Next(bytes.Length + 1), b = random.Next(a, bytes.Length + 1);
            ReadOnlySequence<byte> buffer = Segments.Split(bytes, a, b);

            int index = 0;
            while (FrameCodec.TryParseFrame(buffer, out var frame, out var consumed, out _, out var error))
            {
                var (type, seq, payload) = expected[index++];
                Assert.True(type == frame.Type && seq == frame.Sequence && payload.AsSpan().SequenceEqual(frame.Payload.ToArray()),
                    $"seed {seed}, iteration {iteration}, frame {index - 1} differs");
                buffer = buffer.Slice(consumed);
            }
            Assert.True(index == count && buffer.Length == 0, $"seed {seed}, iteration {iteration}: parsed {index} of {count}");
        }
    }
}

using System.Buffers;
using System.Buffers.Binary;
using System.IO.Pipelines;
using System.Text;
using Emulator.Core.Wire;
using Emulator.FirmwareStub;

namespace Emulator.Fuzz.Targets;

/// <summary>The wire protocol's receiving ends: the frame codec with every payload reader (on the
/// input split into two segments at an input-dependent point), and the software board serving the
/// input as one connection. Nothing may throw or loop; every frame the board answers with must be
/// well formed and a board → host type.</summary>
public sealed class FramesTarget : IFuzzTarget
{
    private readonly SoftBoard _board = new();

    public FramesTarget()
    {
        Seeds =
        [
            Frames(Hello(), (MessageType.AtcFill, Fill(1, 0xFFFFFFFF, 0x10000, 12, 0x5000)), (MessageType.AtcFill, Fill(1, 5, 0x200000, 21, 0x400000)),
                (MessageType.AtcInv, Inv(1, 0xFFFFFFFF, 0x10000, 12, 0, 7)), (MessageType.Sync, U32(9)), (MessageType.AtcDump, U32(1))),
            Frames(Hello(), (MessageType.AtcInv, Inv(2, 3, 0, 64, 1, 1)), (MessageType.Reset, []), (MessageType.Heartbeat, new byte[8]),
                (MessageType.Nak, [1, 0, 0, 0, 1, 0, 0, 0]), (MessageType.Error, Error("host gives up"))),
            Frames((MessageType.AtcInv, Inv(1, 0, 0, 12, 0, 1)), Hello(), (MessageType.Sync, U32(1)), (MessageType.Caps, new byte[24])),
        ];
    }

    public string Name => "frames";

    public IReadOnlyList<byte[]> Seeds { get; }

    public IReadOnlyList<byte[]> Dictionary { get; } = [[.. "SVAB"u8], [1, 0], [2, 0], [0xFF, 0xFF, 0xFF, 0xFF], [0, 0, 1, 0], [0x40], [0x0C]];

    public bool IsText => false;

    public int MaxInputLength => 1 << 13;

    public string Run(byte[] input)
    {
        string codec = Codec(input);
        string board = Board(input);
        return codec + "/" + board;
    }

    private static string Codec(byte[] input)
    {
        int split = input.Length == 0 ? 0 : (int)(BinaryPrimitives.ReadUInt32LittleEndian(Pad(input)) % (uint)(input.Length + 1));
        ReadOnlySequence<byte> buffer = TwoSegments(input, split);
        var seen = new StringBuilder();
        Span<byte> scratch = new byte[FrameCodec.MaxPayload];
        for (int guard = 0; ; guard++)
        {
            if (guard > input.Length + 1)
            {
                throw new FuzzFindingException("TryParseFrame made no progress");
            }
            bool ok = FrameCodec.TryParseFrame(buffer, out Frame frame, out SequencePosition consumed, out _, out FrameError error);
            if (!ok && !error.IsError)
            {
                break;
            }
            if (buffer.Slice(consumed).Length >= buffer.Length)
            {
                throw new FuzzFindingException($"TryParseFrame consumed nothing ({error})");
            }
            buffer = buffer.Slice(consumed);
            if (!ok)
            {
                seen.Append('!').Append((int)error.Kind);
                continue;
            }
            ReadOnlySpan<byte> payload = frame.GetPayloadSpan(scratch);
            bool valid = frame.Type switch
            {
                MessageType.Hello => HelloPayload.TryRead(payload, out _),
                MessageType.AtcInv => AtcInvPayload.TryRead(payload, out _),
                MessageType.Sync => SyncPayload.TryRead(payload, out _),
                MessageType.AtcDump => AtcDumpPayload.TryRead(payload, out _),
                MessageType.Heartbeat => HeartbeatPayload.TryRead(payload, out _),
                MessageType.AtcFill => AtcFillPayload.TryRead(payload, out AtcFillPayload fill) && fill.ToAtcEntry().SizeLog2 >= 12,
                MessageType.Caps => CapsPayload.TryRead(payload, out _),
                MessageType.InvComplete => InvCompletePayload.TryRead(payload, out _),
                MessageType.SyncAck => SyncAckPayload.TryRead(payload, out _),
                MessageType.AtcDumpReply => DumpEntries(payload),
                MessageType.Nak => NakPayload.TryRead(payload, out _),
                MessageType.Error => ErrorPayload.TryRead(payload, out _),
                _ => false,
            };
            seen.Append((byte)frame.Type).Append(valid ? '+' : '-');
            if (seen.Length > 64)
            {
                seen.Length = 64;
            }
        }
        if (!buffer.IsEmpty)
        {
            try
            {
                FrameCodec.ThrowIfIncomplete(buffer);
                throw new FuzzFindingException("bytes left over but ThrowIfIncomplete did not throw");
            }
            catch (InvalidDataException)
            {
                seen.Append("…");
            }
        }
        return seen.ToString();
    }

    private static bool DumpEntries(ReadOnlySpan<byte> payload)
    {
        if (!AtcDumpReplyPayload.TryRead(payload, out AtcDumpReplyPayload reply))
        {
            return false;
        }
        for (int i = 0; i < reply.Count; i++)
        {
            reply.TryGetEntry(i, out _);
        }
        return true;
    }

    private string Board(byte[] input)
    {
        var toBoard = new Pipe();
        var toHost = new Pipe(new PipeOptions(pauseWriterThreshold: 0));
        toBoard.Writer.Write(input);
        toBoard.Writer.Complete();
        SoftBoardSessionEnd end = _board.CreateSession(toBoard.Reader, toHost.Writer, "fuzz").RunAsync().GetAwaiter().GetResult();
        toHost.Reader.TryRead(out ReadResult result);
        ReadOnlySequence<byte> replies = result.Buffer;
        int count = 0;
        while (!replies.IsEmpty)
        {
            if (!FrameCodec.TryParseFrame(replies, out Frame frame, out SequencePosition consumed, out _, out FrameError error))
            {
                throw new FuzzFindingException($"the board sent a malformed frame ({error}, {replies.Length} bytes left)");
            }
            // Board → host types, and the ones either side sends (HEARTBEAT echoes, NAK, ERROR).
            if ((byte)frame.Type < 0x80 && frame.Type != MessageType.Heartbeat)
            {
                throw new FuzzFindingException($"the board sent a host → board type {frame.Type}");
            }
            replies = replies.Slice(consumed);
            count++;
        }
        toHost.Reader.Complete();
        return end + ":" + Math.Min(count, 4);
    }

    private static byte[] Pad(byte[] input)
    {
        var padded = new byte[Math.Max(4, input.Length)];
        input.CopyTo(padded, 0);
        return padded;
    }

    private static ReadOnlySequence<byte> TwoSegments(byte[] input, int split)
    {
        if (split == 0 || split == input.Length)
        {
            return new ReadOnlySequence<byte>(input);
        }
        var first = new Segment(input.AsMemory(0, split), 0);
        var second = new Segment(input.AsMemory(split), split);
        first.SetNext(second);
        return new ReadOnlySequence<byte>(first, 0, second, second.Memory.Length);
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory, long runningIndex)
        {
            Memory = memory;
            RunningIndex = runningIndex;
        }

        public void SetNext(Segment next) => Next = next;
    }

    private static (MessageType, byte[]) Hello() => (MessageType.Hello, [1, 0, 4, 0, .. "fuzz"u8]);

    private static byte[] U32(uint value)
    {
        var b = new byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(b, value);
        return b;
    }

    private static byte[] Inv(uint sid, uint pasid, ulong address, byte sizeLog2, byte flags, ushort itag)
    {
        var b = new byte[AtcInvPayload.FixedSize];
        BinaryPrimitives.WriteUInt32LittleEndian(b, sid);
        BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(4), pasid);
        BinaryPrimitives.WriteUInt64LittleEndian(b.AsSpan(8), address);
        BinaryPrimitives.WriteUInt16LittleEndian(b.AsSpan(16), itag);
        b[18] = sizeLog2;
        b[19] = flags;
        return b;
    }

    private static byte[] Fill(uint sid, uint pasid, ulong va, byte sizeLog2, ulong pa)
    {
        var b = new byte[AtcFillPayload.FixedSize];
        new AtcFillPayload(sid, new AtcDumpEntry(pasid, va, sizeLog2, pa, WirePermissions.Read | WirePermissions.Write, false)).Write(b);
        return b;
    }

    private static byte[] Error(string message)
    {
        var payload = new ErrorPayload(WireErrorCode.Unspecified, message);
        var b = new byte[payload.Size];
        payload.Write(b);
        return b;
    }

    private static byte[] Frames(params (MessageType Type, byte[] Payload)[] frames)
    {
        var output = new ArrayBufferWriter<byte>();
        uint seq = 0;
        foreach ((MessageType type, byte[] payload) in frames)
        {
            FrameCodec.WriteFrame(output, type, seq++, payload);
        }
        return output.WrittenSpan.ToArray();
    }
}

using System.Buffers;
using System.IO.Pipelines;
using Emulator.Core.Wire;

namespace Emulator.Tests.FirmwareStub;

/// <summary>One frame (or framing error, or the end of the stream) received from the board; the payload
/// is copied so that it outlives the receive buffer.</summary>
internal readonly record struct Received(MessageType Type, uint Sequence, byte[] Payload, FrameError Framing, bool Closed)
{
    public bool IsFrame => !Closed && !Framing.IsError;

    public NakPayload Nak() => Decode<NakPayload>(MessageType.Nak, NakPayload.TryRead);

    public ErrorPayload Error() => Decode<ErrorPayload>(MessageType.Error, ErrorPayload.TryRead);

    public CapsPayload Caps() => Decode<CapsPayload>(MessageType.Caps, CapsPayload.TryRead);

    public SyncAckPayload SyncAck() => Decode<SyncAckPayload>(MessageType.SyncAck, SyncAckPayload.TryRead);

    public HeartbeatPayload Heartbeat() => Decode<HeartbeatPayload>(MessageType.Heartbeat, HeartbeatPayload.TryRead);

    public ushort[] Itags()
    {
        Assert.Equal(MessageType.InvComplete, Type);
        Assert.True(InvCompletePayload.TryRead(Payload, out var complete));
        var itags = new ushort[complete.Count];
        for (int i = 0; i < itags.Length; i++)
            itags[i] = complete[i];
        return itags;
    }

    public List<AtcDumpEntry> Dump(out uint sid, out bool truncated)
    {
        Assert.Equal(MessageType.AtcDumpReply, Type);
        Assert.True(AtcDumpReplyPayload.TryRead(Payload, out var reply));
        var entries = new List<AtcDumpEntry>(reply.Count);
        for (int i = 0; i < reply.Count; i++)
        {
            Assert.True(reply.TryGetEntry(i, out var entry));
            entries.Add(entry);
        }
        (sid, truncated) = (reply.Sid, reply.Truncated);
        return entries;
    }

    private delegate bool Reader<T>(ReadOnlySpan<byte> payload, out T value);

    private T Decode<T>(MessageType expected, Reader<T> read)
    {
        Assert.True(IsFrame, $"expected {expected}, got {this}");
        Assert.Equal(expected, Type);
        Assert.True(read(Payload, out T value), $"malformed {expected} payload");
        return value;
    }

    public override string ToString() =>
        Closed ? "end of stream" : Framing.IsError ? $"framing error {Framing.Kind} (seq {Framing.Sequence})" : $"{Type} seq {Sequence} ({Payload.Length} bytes)";
}

/// <summary>A host that speaks frames (built with <see cref="FrameCodec"/>) to the board over any pair of
/// pipes: an in-process session's, or a socket transport's. Every wait is bounded by <see cref="HangGuard"/>,
/// which only turns a hang into a failure — nothing waits for it to elapse.</summary>
internal sealed class BoardTestClient(PipeReader input, PipeWriter output, Func<ValueTask>? dispose = null) : IAsyncDisposable
{
    public static readonly TimeSpan HangGuard = TimeSpan.FromSeconds(10);

    private uint _sequence;

    public PipeWriter Output => output;

    /// <summary>Writes a frame without flushing; returns its seq.</summary>
    public uint Queue<T>(in T payload) where T : struct, IWirePayload
    {
        uint sequence = _sequence++;
        FrameCodec.WriteFrame(output, sequence, payload);
        return sequence;
    }

    /// <summary>Writes a frame with any type, payload and header version; returns its seq.</summary>
    public uint QueueRaw(MessageType type, ReadOnlySpan<byte> payload, ProtocolVersion? version = null)
    {
        uint sequence = _sequence++;
        Span<byte> frame = output.GetSpan(FrameCodec.GetFrameLength(payload.Length));
        payload.CopyTo(FrameCodec.BeginFrame(frame, type, sequence, payload.Length, version));
        output.Advance(FrameCodec.CompleteFrame(frame));
        return sequence;
    }

    /// <summary>The bytes of the frame <see cref="Queue"/> would write, with the next seq (consumed).</summary>
    public byte[] Build<T>(in T payload) where T : struct, IWirePayload
    {
        var frame = new byte[FrameCodec.GetFrameLength(payload.Size)];
        FrameCodec.WriteFrame(frame, _sequence++, payload);
        return frame;
    }

    public void QueueBytes(ReadOnlySpan<byte> bytes) => output.Write(bytes);

    public async Task FlushAsync()
    {
        using var guard = new CancellationTokenSource(HangGuard);
        await output.FlushAsync(guard.Token);
    }

    public async Task<uint> SendAsync<T>(T payload) where T : struct, IWirePayload
    {
        uint sequence = Queue(payload);
        await FlushAsync();
        return sequence;
    }

    /// <summary>The next frame, framing error, or the end of the stream.</summary>
    /// <exception cref="TimeoutException">Nothing within <see cref="HangGuard"/>.</exception>
    public async Task<Received> ReceiveAsync()
    {
        using var guard = new CancellationTokenSource(HangGuard);
        while (true)
        {
            ReadResult result;
            try
            {
                result = await input.ReadAsync(guard.Token);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"nothing from the board within {HangGuard.TotalSeconds} s");
            }
            ReadOnlySequence<byte> buffer = result.Buffer;
            if (FrameCodec.TryParseFrame(buffer, out Frame frame, out SequencePosition consumed, out SequencePosition examined, out FrameError error))
            {
                var received = new Received(frame.Type, frame.Sequence, frame.Payload.ToArray(), default, false);
                input.AdvanceTo(consumed, consumed);
                return received;
            }
            if (error.IsError)
            {
                input.AdvanceTo(consumed, consumed);
                return new Received(error.Type, error.Sequence, [], error, false);
            }
            input.AdvanceTo(consumed, examined);
            if (result.IsCompleted)
                return new Received(0, 0, [], default, Closed: true);
        }
    }

    /// <summary>The next frame, which must be of <paramref name="type"/>.</summary>
    public async Task<Received> ExpectAsync(MessageType type)
    {
        Received r = await ReceiveAsync();
        Assert.True(r.IsFrame && r.Type == type, $"expected {type}, got {r}");
        return r;
    }

    /// <summary>Skips INV_COMPLETEs (collecting their itags into <paramref name="completed"/>) up to the
    /// next other frame: over a socket, a batch split across reads gets an INV_COMPLETE for its first part.</summary>
    public async Task<Received> ExpectPastCompletionsAsync(MessageType type, List<ushort>? completed = null)
    {
        while (true)
        {
            Received r = await ReceiveAsync();
            if (r.IsFrame && r.Type == MessageType.InvComplete)
            {
                completed?.AddRange(r.Itags());
                continue;
            }
            Assert.True(r.IsFrame && r.Type == type, $"expected {type}, got {r}");
            return r;
        }
    }

    public async Task ExpectClosedAsync()
    {
        Received r = await ReceiveAsync();
        Assert.True(r.Closed, $"expected the board to close the connection, got {r}");
    }

    /// <summary>HELLO → CAPS.</summary>
    public async Task<CapsPayload> HandshakeAsync(string hostName = "test-host")
    {
        await SendAsync(new HelloPayload(ProtocolVersion.Current, hostName));
        return (await ExpectAsync(MessageType.Caps)).Caps();
    }

    /// <summary>ATC_DUMP → the entries.</summary>
    public async Task<List<AtcDumpEntry>> DumpAsync(uint sid)
    {
        await SendAsync(new AtcDumpPayload(sid));
        List<AtcDumpEntry> entries = (await ExpectPastCompletionsAsync(MessageType.AtcDumpReply)).Dump(out uint replySid, out _);
        Assert.Equal(sid, replySid);
        return entries;
    }

    /// <summary>Closes our sending side (the board sees the end of its input).</summary>
    public ValueTask CompleteOutputAsync() => output.CompleteAsync();

    public async ValueTask DisposeAsync()
    {
        if (dispose is not null)
        {
            await dispose();
            return;
        }
        await output.CompleteAsync();
        await input.CompleteAsync();
    }
}

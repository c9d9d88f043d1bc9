using System.Buffers;
using Emulator.Core.Diagnostics;
using Emulator.Core.Text;
using Emulator.Core.Wire;

namespace Emulator.Board;

public sealed partial class BoardLink
{
    /// <summary>Parses the board's frames until the connection ends; one pass of the state lock per read.</summary>
    private async Task ReceiveLoop(Connection c, CancellationToken ct)
    {
        string? why = null;
        bool violation = false;
        byte[] scratch = new byte[FrameCodec.MaxPayload];
        try
        {
            while (true)
            {
                var read = await c.Input.ReadAsync(ct).ConfigureAwait(false);
                var buffer = read.Buffer;
                lock (_state)
                {
                    while (true)
                    {
                        bool ok = FrameCodec.TryParseFrame(buffer, out var frame, out var consumed, out var examined, out var error);
                        if (!ok && !error.IsError)
                        {
                            buffer = buffer.Slice(consumed);
                            c.Input.AdvanceTo(consumed, examined);
                            break;
                        }
                        buffer = buffer.Slice(consumed);
                        if (ok && frame.Version.Major != ProtocolVersion.Current.Major)
                        {
                            // Its payload may be laid out otherwise: reading it as ours could complete an
                            // invalidation the board never completed. The link ends for good.
                            ViolationLocked($"the board sent {frame.Type} seq {frame.Sequence} headed protocol {frame.Version}, emulator speaks {ProtocolVersion.Current}");
                            violation = true;
                            c.Input.AdvanceTo(buffer.Start);
                            break;
                        }
                        if (ok)
                        {
                            OnFrame(c, frame, scratch);
                        }
                        else
                        {
                            // A damaged frame from the board: whatever it said is lost. Completions are
                            // recovered by the SYNC re-send; nothing here can report one falsely.
                            Interlocked.Increment(ref _badFrames);
                            Log.GuestError.Debug("{0}: damaged frame from the board ({1})", c.Description, error);
                        }
                    }
                    Volatile.Write(ref _receiveEpoch, (_receiveEpoch + 1) & int.MaxValue);
                    Monitor.PulseAll(_state);
                }
                if (violation)
                {
                    why = "protocol violation";
                    break;
                }
                if (read.IsCompleted)
                {
                    if (!buffer.IsEmpty)
                    {
                        why = $"the board closed the connection inside a frame ({buffer.Length} bytes left)";
                    }
                    why ??= "the board closed the connection";
                    break;
                }
            }
        }
        catch (OperationCanceledException)
        {
            return; // closed by us
        }
        catch (Exception e) when (e is IOException or InvalidOperationException or ObjectDisposedException or System.Net.Sockets.SocketException)
        {
            why = e.Message;
        }
        Lost(c, why ?? "receive failed");
    }

    /// <summary>One good frame from the board. Caller holds <see cref="_state"/>.</summary>
    private void OnFrame(Connection c, in Frame frame, byte[] scratch)
    {
        ReadOnlySpan<byte> payload = frame.GetPayloadSpan(scratch);
        switch (frame.Type)
        {
            case MessageType.InvComplete:
                if (InvCompletePayload.TryRead(payload, out var done))
                {
                    for (int i = 0; i < done.Count; i++)
                    {
                        if (_pending.Remove(done[i]))
                        {
                            Interlocked.Increment(ref _completed);
                        }
                    }
                }
                else
                {
                    BadPayload(c, frame);
                }
                return;
            case MessageType.SyncAck:
                if (SyncAckPayload.TryRead(payload, out var ack))
                {
                    OnSyncAck(c, ack.FenceId);
                }
                else
                {
                    BadPayload(c, frame);
                }
                return;
            case MessageType.ResetAck:
                if (c.ResetTx != 0)
                {
                    // The whole ATC was invalidated after every pending invalidation was issued.
                    Interlocked.Add(ref _completed, _pending.Count);
                    _pending.Clear();
                    c.ResetTx = 0;
                }
                return;
            case MessageType.AtcDumpReply:
                OnDumpReply(c, frame, payload);
                return;
            case MessageType.Nak:
                if (NakPayload.TryRead(payload, out var nak))
                {
                    Interlocked.Increment(ref _naks);
                    OnNak(c, nak);
                }
                return;
            case MessageType.Error:
                _lastError = ErrorPayload.TryRead(payload, out var err) ? $"board error {err.Code}: {SafeText.Escape(err.Message, ErrorPayload.MaxMessageBytes)}" : "board sent a malformed ERROR";
                s_log.Warn("{0}: {1}", c.Description, _lastError);
                return;
            case MessageType.Heartbeat:
            case MessageType.Caps:
                return;
            default:
                Log.GuestError.Debug("{0}: unexpected {1} from the board ignored", c.Description, frame.Type);
                return;
        }
    }

    /// <summary>SYNC_ACK(fence): the board has processed everything sent before that SYNC, and sends
    /// each INV_COMPLETE before the SYNC_ACK that covers it. So an invalidation sent before the SYNC on
    /// this connection and still pending was lost on the way (the ATC_INV or its INV_COMPLETE): it is
    /// marked for re-send. A SYNC_ACK never completes an invalidation by itself — see
    /// docs/wire-protocol.md § SYNC: a dropped ATC_INV would otherwise be reported complete.</summary>
    private void OnSyncAck(Connection c, uint fenceId)
    {
        if (!_fences.Remove(fenceId, out var fence) || fence.Generation != c.Generation)
        {
            return; // a duplicate or a fence from before a reconnect: proves nothing about this connection
        }
        foreach (var p in _pending.Values)
        {
            if (p.SentGeneration == c.Generation && p.SentTx != 0 && p.SentTx < fence.Tx)
            {
                p.Resend = true;
            }
        }
        // Older fences are implied by this one.
        List<uint>? older = null;
        foreach (var (id, f) in _fences)
        {
            if (f.Tx < fence.Tx)
            {
                (older ??= []).Add(id);
            }
        }
        older?.ForEach(id => _fences.Remove(id));
    }

    /// <summary>A NAK names the seq of a frame the board could not use: mark it for re-send, or all
    /// pending invalidations when the seq is not one we can place (it was itself damaged).</summary>
    private void OnNak(Connection c, in NakPayload nak)
    {
        Log.GuestError.Debug("{0}: NAK seq {1} ({2})", c.Description, nak.Sequence, nak.Reason);
        foreach (var p in _pending.Values)
        {
            if (p.SentGeneration == c.Generation && (uint)p.SentTx == nak.Sequence)
            {
                p.Resend = true;
                return;
            }
        }
        foreach (var (id, f) in _fences)
        {
            if (f.Generation == c.Generation && (uint)f.Tx == nak.Sequence)
            {
                _fences.Remove(id);
                _resendAll = true; // the SYNC itself: the waiter sends a new one
                return;
            }
        }
        // A fill, dump request or heartbeat, or an unplaceable seq: be safe.
        _resendAll = true;
    }

    private void OnDumpReply(Connection c, in Frame frame, ReadOnlySpan<byte> payload)
    {
        if (!AtcDumpReplyPayload.TryRead(payload, out var reply))
        {
            BadPayload(c, frame);
            if (_dump is { Done: false } waiting)
            {
                // One dump is outstanding: this malformed reply is its answer, refused as a whole.
                waiting.Malformed = true;
                waiting.FirstUndecodable = $"a malformed ATC_DUMP_REPLY payload of {payload.Length} bytes";
                waiting.Done = true;
            }
            return;
        }
        if (_dump is not { Done: false } request || request.Sid != reply.Sid)
        {
            return;
        }
        CollectDumpEntries(request, reply, payload);
        request.Truncated = reply.Truncated;
        request.Done = true;
    }

    private void BadPayload(Connection c, in Frame frame)
    {
        Interlocked.Increment(ref _badFrames);
        Log.GuestError.Debug("{0}: malformed {1} payload ({2} bytes) from the board", c.Description, frame.Type, frame.Payload.Length);
    }
}

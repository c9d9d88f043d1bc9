using System.Globalization;
using Emulator.Core.Diagnostics;
using Emulator.Core.Pcie;
using Emulator.Core.Text;
using Emulator.Core.Wire;

namespace Emulator.FirmwareStub;

/// <summary>The request handlers: one <c>switch</c> on the message type, one method per request.</summary>
public sealed partial class SoftBoardSession
{
    private void Dispatch(in Frame frame)
    {
        ReadOnlySpan<byte> payload = PayloadSpan(frame);
        if (frame.Type != MessageType.Hello && frame.Version.Major != Board.Options.Version.Major)
        {
            // The frozen header let us delimit it, but its payload may be laid out differently.
            if (WantGuestError())
                GuestError($"{frame.Type} seq {frame.Sequence} speaks protocol {frame.Version}: NAK UnsupportedVersion");
            Nak(frame.Sequence, NakReason.UnsupportedVersion);
            return;
        }
        switch (frame.Type)
        {
            case MessageType.Hello:
                OnHello(frame, payload);
                return;
            case MessageType.Heartbeat:
                OnHeartbeat(frame, payload);
                return;
            case MessageType.Nak:
                OnNak(payload);
                return;
            case MessageType.Error:
                OnError(payload);
                return;
            case MessageType.AtcInv or MessageType.Sync or MessageType.AtcDump or MessageType.AtcFill or MessageType.Reset:
                break;
            default:
                // Board → host types are unknown here too: the board accepts only requests.
                if (WantGuestError())
                    GuestError($"unknown message type 0x{(byte)frame.Type:X2} seq {frame.Sequence}: NAK");
                Nak(frame.Sequence, NakReason.UnknownType);
                return;
        }
        if ((SoftBoardSessionState)_state != SoftBoardSessionState.Open)
        {
            // A board cannot hang up a USB link, so it answers and keeps waiting for HELLO; the socket
            // stub does the same, so that both transports behave alike.
            string message = string.Create(CultureInfo.InvariantCulture, $"HELLO expected before {frame.Type} (seq {frame.Sequence})");
            if (WantGuestError())
                GuestError(message);
            Reply(new ErrorPayload(WireErrorCode.Unspecified, message));
            return;
        }
        switch (frame.Type)
        {
            case MessageType.AtcInv:
                OnAtcInv(frame, payload);
                return;
            case MessageType.Sync:
                OnSync(frame, payload);
                return;
            case MessageType.AtcDump:
                OnAtcDump(frame, payload);
                return;
            case MessageType.AtcFill:
                OnAtcFill(frame, payload);
                return;
            case MessageType.Reset:
                OnReset();
                return;
        }
    }

    /// <summary>HELLO: check the host's version, forget what an earlier handshake left outstanding, answer CAPS.</summary>
    /// <remarks>A HELLO on an open session starts it again (a host that restarted without the link
    /// dropping, as over USB): outstanding itags are forgotten, the ATCs keep their entries.</remarks>
    private void OnHello(in Frame frame, ReadOnlySpan<byte> payload)
    {
        ProtocolVersion ours = Board.Options.Version;
        if (Board.Options.CheckHostVersion && frame.Version.Major != ours.Major)
        {
            RefuseVersion(frame.Version);
            return;
        }
        if (!HelloPayload.TryRead(payload, out HelloPayload hello))
        {
            BadPayload(frame);
            return;
        }
        if (Board.Options.CheckHostVersion && !ProtocolVersion.Check(ours, hello.Version, "host").IsAccepted)
        {
            RefuseVersion(hello.Version);
            return;
        }
        _pendingCount = 0;
        _sinceSync = 0;
        HostName = hello.HostName;
        SetState(SoftBoardSessionState.Open);
        Logger.Info("{0}: HELLO from '{1}', protocol {2}", Description, SafeText.Escape(hello.HostName), hello.Version);
        Reply(Board.Caps);
    }

    private void RefuseVersion(ProtocolVersion theirs)
    {
        // ProtocolVersion.Check words its refusal for the emulator's side; this is the board's.
        string message = string.Create(CultureInfo.InvariantCulture,
            $"refused: host speaks protocol {theirs}, board speaks {Board.Options.Version}");
        if (WantGuestError())
            GuestError(message);
        Reply(new ErrorPayload(WireErrorCode.VersionRefused, message));
        _closing = SoftBoardSessionEnd.VersionRefused;
    }

    /// <summary>HEARTBEAT: echoed with the host's own timestamp, so the host can measure the round trip
    /// and knows the board is alive. The board never starts one (the host must not echo an echo).</summary>
    private void OnHeartbeat(in Frame frame, ReadOnlySpan<byte> payload)
    {
        if (!HeartbeatPayload.TryRead(payload, out HeartbeatPayload heartbeat))
        {
            BadPayload(frame);
            return;
        }
        Reply(heartbeat);
    }

    /// <summary>NAK from the host: one of our replies arrived damaged. The board keeps no resend buffer —
    /// the host recovers by timeout (resending the ATC_INV or SYNC, which is idempotent) — so it only logs.</summary>
    private void OnNak(ReadOnlySpan<byte> payload)
    {
        if (NakPayload.TryRead(payload, out NakPayload nak))
            Logger.Debug("{0}: host NAKed our seq {1} ({2})", Description, nak.Sequence, nak.Reason);
        else if (WantGuestError())
            GuestError("malformed NAK from the host");
    }

    /// <summary>ERROR from the host: it is giving up on the session. Forget what is outstanding and wait
    /// for a new HELLO.</summary>
    private void OnError(ReadOnlySpan<byte> payload)
    {
        if (WantGuestError())
        {
            GuestError(ErrorPayload.TryRead(payload, out ErrorPayload error)
                ? $"host sent ERROR {error.Code}: {SafeText.Escape(error.Message, ErrorPayload.MaxMessageBytes)}"
                : "host sent a malformed ERROR");
        }
        _pendingCount = 0;
        _sinceSync = 0;
        _awaitingHelloSince = Environment.TickCount64;
        SetState(SoftBoardSessionState.AwaitingHello);
    }

    /// <summary>ATC_INV (PCIe §10.3.1): apply it to the SID's ATC now; its completion is batched.</summary>
    private void OnAtcInv(in Frame frame, ReadOnlySpan<byte> payload)
    {
        if (!AtcInvPayload.TryRead(payload, out AtcInvPayload inv))
        {
            BadPayload(frame);
            return;
        }
        if (_sinceSync >= Board.Options.MaxBatch || _pendingCount >= _pending.Length)
        {
            if (WantGuestError())
                GuestError($"ATC_INV seq {frame.Sequence} itag {inv.Itag} over the limits ({_sinceSync} since SYNC, {_pendingCount} outstanding): NAK Busy");
            Nak(frame.Sequence, NakReason.Busy);
            return;
        }
        _sinceSync++;
        // No ATC yet: nothing was ever filled for this SID, so nothing to remove — but it still completes.
        if (!_faults.IgnoreInvalidations && Board.TryGetAtc(inv.Sid, out Atc? atc))
            atc.Invalidate(inv.Pasid, inv.Address, inv.SizeLog2, inv.Global);
        _invalidations++;
        _pending[_pendingCount++] = inv.Itag;
    }

    /// <summary>SYNC: every earlier ATC_INV is already applied, so acknowledge at once — after the
    /// INV_COMPLETE for every itag not yet reported (docs/wire-protocol.md § SYNC: the host completes an
    /// invalidation only on its INV_COMPLETE, and treats one still missing at SYNC_ACK as lost). A
    /// duplicate SYNC is acknowledged again.</summary>
    private void OnSync(in Frame frame, ReadOnlySpan<byte> payload)
    {
        if (!SyncPayload.TryRead(payload, out SyncPayload sync))
        {
            BadPayload(frame);
            return;
        }
        _sinceSync = 0;
        if (_faults.NeverComplete)
        {
            Logger.Debug("{0}: fault: swallowed SYNC fence {1}", Description, sync.FenceId);
            return;
        }
        Reply(new SyncAckPayload(sync.FenceId));
        _syncsAcknowledged++;
    }

    /// <summary>ATC_DUMP: the SID's entries, oldest first; the first <see cref="AtcDumpReplyPayload.MaxEntries"/>
    /// with the truncated flag when there are more. An unknown SID has an empty ATC.</summary>
    private void OnAtcDump(in Frame frame, ReadOnlySpan<byte> payload)
    {
        if (!AtcDumpPayload.TryRead(payload, out AtcDumpPayload dump))
        {
            BadPayload(frame);
            return;
        }
        _dump.Clear();
        if (Board.TryGetAtc(dump.Sid, out Atc? atc))
            atc.Dump(_dump);
        int count = Math.Min(_dump.Count, AtcDumpReplyPayload.MaxEntries);
        if (_dumpEntries.Length < count)
            _dumpEntries = new AtcDumpEntry[count];
        for (int i = 0; i < count; i++)
            _dumpEntries[i] = AtcEntryWire.ToDumpEntry(_dump[i]);
        FlushCompletions();
        Span<byte> reply = BeginReply(MessageType.AtcDumpReply, AtcDumpReplyPayload.SizeFor(count), out Span<byte> replyFrame);
        AtcDumpReplyPayload.Write(reply, dump.Sid, truncated: _dump.Count > count, _dumpEntries.AsSpan(0, count));
        EndReply(replyFrame);
    }

    /// <summary>ATC_FILL: cache the translation the host's endpoint cached. No reply.</summary>
    private void OnAtcFill(in Frame frame, ReadOnlySpan<byte> payload)
    {
        if (!AtcFillPayload.TryRead(payload, out AtcFillPayload fill))
        {
            BadPayload(frame);
            return;
        }
        if (!Board.TryGetOrCreateAtc(fill.Sid, out Atc? atc))
        {
            // Bounded, not grown: the fill is dropped (a board ATC that lacks an entry is never
            // incoherent, only smaller) and the host told why.
            string message = string.Create(CultureInfo.InvariantCulture,
                $"ATC_FILL seq {frame.Sequence} for sid 0x{fill.Sid:x}: the board keeps ATCs for at most {Board.Options.MaxSids} SIDs (CAPS maxSids); fill dropped");
            if (WantGuestError())
                GuestError(message);
            Reply(new ErrorPayload(WireErrorCode.Overrun, message));
            return;
        }
        atc.Insert(fill.ToAtcEntry());
    }

    /// <summary>RESET: empty every ATC of the board, forget outstanding itags (never completed), RESET_ACK.</summary>
    private void OnReset()
    {
        Board.ResetAtcs();
        _pendingCount = 0;
        _sinceSync = 0;
        BeginReply(MessageType.ResetAck, 0, out Span<byte> frame);
        EndReply(frame);
    }

    private void BadPayload(in Frame frame)
    {
        if (WantGuestError())
            GuestError($"malformed {frame.Type} payload ({frame.Payload.Length} bytes) seq {frame.Sequence}: NAK");
        Nak(frame.Sequence, NakReason.BadPayload);
    }
}

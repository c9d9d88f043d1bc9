using System.Diagnostics;
using Emulator.Board;
using Emulator.Board.Transport;
using Emulator.Core;
using Emulator.Core.Backends;
using Emulator.Core.Pcie;
using Emulator.Core.Trace.Replay;
using Emulator.Core.Wire;
using Emulator.FirmwareStub;
using Emulator.Tests.Board;

namespace Emulator.Tests.Hardening;

/// <summary>Board verification fails closed: each way a board (or the wire) can hide what its ATC
/// holds is a finding with the board's identity and both views — never a warning and exit 0. A
/// fault-injecting proxy between host and stub makes each happen.</summary>
public sealed class BoardFailClosedTests
{
    private static readonly BoardOptions Fast = new()
    {
        ResendAfter = TimeSpan.FromMilliseconds(20),
        SyncTimeout = TimeSpan.FromMilliseconds(600),
        ConnectTimeout = TimeSpan.FromSeconds(2),
        HeartbeatInterval = TimeSpan.Zero,
        HostName = "test",
    };

    /// <summary>Fill 16 KiB through the device, unmap half (the board must drop those), unbind.</summary>
    private const string Trace = """
        trace 1
        process p
        device gpu sid=0x10 ats
        bind gpu p
        mmap p 0x10000 16K rw
        write p 0x10000 16K seq32
        dma gpu p read 0x10000 16K => seq32
        munmap p 0x10000 8K
        dma gpu p read 0x12000 8K => seq32:0x800
        unbind gpu p
        """;

    private static (ReplayResult Result, BoardAtcBackend Backend, TimeSpan Took) Replay(IBoardConnector connector, bool lockstep = true)
    {
        using var link = new BoardLink(connector, Fast);
        BoardAtcBackend? backend = null;
        var options = new ReplayOptions { Defaults = new MachineOptions { Backend = sim => backend = new BoardAtcBackend(sim, link, lockstep) } };
        var clock = Stopwatch.StartNew();
        ReplayResult result = TraceReplayer.Run("board.trace", Trace, options);
        return (result, backend!, clock.Elapsed);
    }

    [Fact]
    public void Honest_board_through_the_proxy_passes()
    {
        var proxy = new FaultProxyConnector(new StubConnector(new SoftBoard()));
        var (result, backend, _) = Replay(proxy);
        // The control: the proxy itself changes nothing.
        Assert.True(result.Passed, string.Join("\n", result.Failures));
        Assert.Empty(backend.Findings);
        Assert.Equal(BoardVerdict.Passed, backend.Verdict);
        Assert.True(backend.LockstepChecks > 0);
    }

    [Fact]
    public void Undecodable_dump_entry_hiding_a_stale_translation_is_a_finding()
    {
        // A lying board (keeps what it is told to invalidate) whose dump marks the kept entries with a
        // reserved permission bit: the host used to skip them and pass.
        var proxy = new FaultProxyConnector(new StubConnector(new SoftBoard(faults: new SoftBoardFaults { IgnoreInvalidations = true })))
        {
            FromBoard = (type, frame) =>
            {
                if (type == MessageType.AtcDumpReply && BitConverter.ToUInt16(frame, FrameHeader.Size + 4) > 0)
                {
                    FaultProxyConnector.SetPayloadBits(frame, AtcDumpReplyPayload.HeaderSize + 5, 0x10); // entry 0, perms bit 4
                }
                return ProxyAction.Pass;
            },
        };
        var (_, backend, _) = Replay(proxy);
        BoardFinding finding = Assert.Single(backend.Findings, f => f.Kind == BoardFindingKind.UndecodableDump);
        // Named with the board's identity and the sid, with both views; the run fails (exit 1), not "board gone".
        Assert.Equal("board 5354554200000001 at proxy to stub (in-process)", finding.Board);
        Assert.Contains("sid 0x10: ATC_DUMP_REPLY with 1 entry the host cannot decode", finding.Summary, StringComparison.Ordinal);
        Assert.Contains("entries", finding.ModelView, StringComparison.Ordinal);
        Assert.Contains("entry 0: ", finding.BoardView, StringComparison.Ordinal);
        Assert.Equal(BoardVerdict.Finding, backend.Verdict);
    }

    [Theory]
    [InlineData(ProxyAction.Drop)]
    [InlineData(ProxyAction.Delay)]
    public void Missing_or_late_dump_is_a_finding(ProxyAction action)
    {
        var proxy = new FaultProxyConnector(new StubConnector(new SoftBoard()))
        {
            FromBoard = (type, _) => type == MessageType.AtcDumpReply ? action : ProxyAction.Pass,
            Delay = TimeSpan.FromSeconds(3),
        };
        var (_, backend, took) = Replay(proxy);
        // Not "no comparison, carry on": the dump's absence fails the run, once per endpoint. (A late
        // reply also holds up what the board sends behind it, which may add a never-completed finding.)
        BoardFinding finding = Assert.Single(backend.Findings, f => f.Kind == BoardFindingKind.DumpMissing);
        Assert.Equal("no ATC_DUMP_REPLY within 1000 ms", finding.BoardView);
        Assert.Equal(BoardVerdict.Finding, backend.Verdict);
        Assert.InRange(took, TimeSpan.Zero, TimeSpan.FromSeconds(30));
    }

    [Fact]
    public void Connection_lost_during_lockstep_with_the_board_gone_is_a_board_gone_finding()
    {
        FaultProxyConnector proxy = null!;
        proxy = new FaultProxyConnector(new StubConnector(new SoftBoard()))
        {
            FromHost = (type, _) =>
            {
                if (type != MessageType.AtcDump)
                {
                    return ProxyAction.Pass;
                }
                proxy.Refuse = true; // and it never comes back
                return ProxyAction.Cut;
            },
        };
        var (_, backend, took) = Replay(proxy);
        // The lost dump and then the invalidations that can no longer complete: the board is gone (exit 3).
        Assert.Contains(backend.Findings, f => f.Kind == BoardFindingKind.ConnectionLost && f.BoardGone);
        Assert.Equal(BoardVerdict.BoardGone, backend.Verdict);
        Assert.InRange(took, TimeSpan.Zero, TimeSpan.FromSeconds(30));
    }

    [Fact]
    public void Invalidation_never_completed_is_a_finding_with_the_pending_invalidations()
    {
        // Every INV_COMPLETE and SYNC_ACK is lost on the way back: resends run out.
        var proxy = new FaultProxyConnector(new StubConnector(new SoftBoard()))
        {
            FromBoard = (type, _) => type is MessageType.InvComplete or MessageType.SyncAck ? ProxyAction.Drop : ProxyAction.Pass,
        };
        var (result, backend, _) = Replay(proxy, lockstep: false);
        BoardFinding finding = Assert.Single(backend.Findings);
        Assert.Equal(BoardFindingKind.InvalidationNeverCompleted, finding.Kind);
        // The model's side names what was invalidated; the board's, what never came.
        Assert.Contains("invalidated: sid 0x10", finding.ModelView, StringComparison.Ordinal);
        Assert.StartsWith("no INV_COMPLETE for them", finding.BoardView, StringComparison.Ordinal);
        Assert.False(finding.BoardGone);
        Assert.Equal(BoardVerdict.Finding, backend.Verdict);
        _ = result;
    }

    [Fact]
    public void Frame_headed_by_another_major_version_ends_the_link_as_a_finding()
    {
        // A SYNC_ACK headed 2.0: its payload may mean something else; it must not complete anything.
        var proxy = new FaultProxyConnector(new StubConnector(new SoftBoard()))
        {
            FromBoard = (type, frame) =>
            {
                if (type == MessageType.SyncAck)
                {
                    frame[4] = 2; // the header's major
                }
                return ProxyAction.Pass;
            },
        };
        var (_, backend, took) = Replay(proxy);
        BoardFinding finding = Assert.Single(backend.Findings);
        Assert.Equal(BoardFindingKind.ProtocolVersion, finding.Kind);
        Assert.Contains("headed protocol 2.0, emulator speaks 1.0", finding.Summary, StringComparison.Ordinal);
        Assert.Equal(BoardVerdict.Finding, backend.Verdict);
        Assert.InRange(took, TimeSpan.Zero, TimeSpan.FromSeconds(20));
    }

    [Fact]
    public void Caps_frame_headed_by_another_major_version_is_refused_at_the_handshake()
    {
        var proxy = new FaultProxyConnector(new StubConnector(new SoftBoard()))
        {
            FromBoard = (type, frame) =>
            {
                if (type == MessageType.Caps)
                {
                    frame[4] = 2;
                }
                return ProxyAction.Pass;
            },
        };
        var e = Assert.Throws<BoardException>(() => new BoardLink(proxy, Fast));
        // The payload still says 1.0: the header decides, and the refusal says so.
        Assert.True(e.VersionRefused);
        Assert.EndsWith("refused: the board's CAPS frame is headed protocol 2.0, emulator speaks 1.0", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Dump_of_a_dead_link_answers_link_down_at_once_and_keeps_the_invalidations()
    {
        var proxy = new FaultProxyConnector(new StubConnector(new SoftBoard()));
        using var link = new BoardLink(proxy, Fast);
        // The next frame the host sends pulls the plug, for good.
        proxy.Refuse = true;
        proxy.FromHost = (_, _) => ProxyAction.Cut;
        link.Invalidate(new AtcInvalidation(1, AtcEntry.NoPasid, false, 0x10000, 12));
        // The SYNC finds no board, and gives up within its timeout…
        Assert.Equal(AtcSyncResult.Timeout, link.Sync(TimeSpan.FromMilliseconds(300)));
        // …but the invalidation is not lost: it is still pending, and named.
        Assert.Equal(1, link.Pending);
        Assert.Equal("sid 0x1 no pasid va 0x10000 size 2^12 (itag 0)", BoardLink.Describe(Assert.Single(link.PendingInvalidations())));
        var clock = Stopwatch.StartNew();
        Assert.Equal(DumpStatus.LinkDown, link.DumpChecked(1, TimeSpan.FromSeconds(5)).Status);
        Assert.InRange(clock.Elapsed, TimeSpan.Zero, TimeSpan.FromSeconds(1));
    }
}

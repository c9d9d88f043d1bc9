using Emulator.Board;
using Emulator.Board.Config;
using Emulator.Core.Backends;
using Emulator.Core.Pcie;
using Emulator.Cli.Shell;
using Emulator.Core.Diagnostics;

namespace Emulator.Cli;

/// <summary>
/// One command's use of the board: the connection, shared by every machine the command builds, and a
/// fresh <see cref="BoardAtcBackend"/> per machine. Each machine starts from an empty board ATC
/// (RESET), so traces replayed one after another do not see each other's translations. A board lost
/// for good (<see cref="WatchedConnector"/>) stops the machine at its next invalidation or SYNC
/// (<see cref="BoardLostException"/>) instead of timing out every CMD_SYNC.
/// </summary>
internal sealed class BoardRun : IDisposable
{
    private BoardRun(BoardLink link, WatchedConnector watch, bool lockstep, TimeSpan timeout)
    {
        Link = link;
        _watch = watch;
        Lockstep = lockstep;
        _timeout = timeout;
    }

    private readonly TimeSpan _timeout;
    private readonly WatchedConnector _watch;

    public BoardLink Link { get; }
    public bool Lockstep { get; }

    /// <summary>The backend of the machine built last.</summary>
    public BoardAtcBackend? Current { get; private set; }

    /// <summary>Why the board is lost for good, or null while it is usable.</summary>
    public string? LostReason => _watch.LostReason;

    /// <summary>Connects when <paramref name="config"/> selects the board; null (and nothing printed) for sim.</summary>
    /// <param name="command">For messages ("replay", "boot").</param>
    /// <param name="config">The loaded configuration.</param>
    /// <param name="stderr">Where a connection failure is explained.</param>
    /// <param name="failed">True when the board was selected but could not be used (the reason is on
    /// <paramref name="stderr"/>; exit 3).</param>
    /// <param name="trace">The command's trace session: the link's frames are traced into it.</param>
    public static BoardRun? Open(string command, HwConfig config, TextWriter stderr, out bool failed, TraceSession? trace = null)
    {
        failed = false;
        if (config.Backend != BackendKind.Board)
        {
            return null;
        }
        WatchedConnector? watch = null;
        var link = BoardSetup.Connect(command, config, stderr, wrap: c => watch = new WatchedConnector(trace is null ? c : new Tracing.TracingConnector(c, trace), config.Timeouts.Connect));
        if (link is null)
        {
            failed = true;
            return null;
        }
        return new BoardRun(link, watch!, config.Lockstep, config.Timeouts.Sync);
    }

    /// <summary>For <c>MachineOptions.Backend</c>: empties the board's ATC and wraps the machine's sim backend.</summary>
    public IAtcBackend Create(SimAtcBackend sim)
    {
        ThrowIfLost();
        // A board that just went away gets the reconnect window to come back before the run is
        // declared lost; a board that answers but refuses RESET fails at once.
        var deadline = DateTime.UtcNow + _watch.Window + _timeout;
        while (!Link.Reset(_timeout))
        {
            ThrowIfLost();
            if (!_watch.Reconnecting || DateTime.UtcNow > deadline)
            {
                throw new BoardException($"{Link.Description}: the board did not confirm RESET ({Link.LastError ?? "timeout"})");
            }
        }
        Current = new BoardAtcBackend(sim, Link, Lockstep);
        return new Guard(Current, this);
    }

    /// <summary>What fails the current machine's run on the board, as messages: lockstep's divergences
    /// that mean the board did not apply an invalidation (entries the board holds and the model does
    /// not), then the backend's findings (an undecodable or missing dump, a connection lost during
    /// lockstep, invalidations never completed, another protocol major), each once, with the board's
    /// identity and both views. The verification fails closed: any of them fails the run.</summary>
    public IReadOnlyList<string> Failures()
    {
        if (Current is null)
        {
            return [];
        }
        var messages = new List<string>();
        messages.AddRange(Current.Divergences.Where(d => d.OnBoardOnly).Select(d => "lockstep: " + d));
        messages.AddRange(Current.Findings.Select(f => f.ToString()));
        return messages;
    }

    /// <summary>When a finding of the current machine is the board going away (or speaking another
    /// protocol): its summary, which makes the command exit 3; else null.</summary>
    public string? GoneReason =>
        LostReason ?? (Current?.Findings.FirstOrDefault(f => f.BoardGone) is { } gone
            ? $"lost the board {Link.Description}: {gone.Summary}"
            : null);

    /// <summary>Prints the one line a lost board deserves; returns 3.</summary>
    public int ReportLost(string command, TextWriter stderr)
    {
        stderr.WriteLine($"emulator {command}: {LostReason ?? "lost the board " + Link.Description}");
        return ExitCodes.Environment;
    }

    private void ThrowIfLost()
    {
        if (_watch.LostReason is { } reason)
        {
            throw new BoardLostException(reason);
        }
    }

    public void Dispose() => Link.Dispose();

    /// <summary>The machine's backend: the board's, stopping the machine once the board is lost.</summary>
    private sealed class Guard(BoardAtcBackend inner, BoardRun run) : IAtcBackend, IAtcFillObserver
    {
        /// <summary>Fills are mirrored to the board (lockstep needs them).</summary>
        public void Filled(uint sid, in AtcEntry entry) => ((IAtcFillObserver)inner).Filled(sid, entry);

        public string Name => inner.Name;

        public void Invalidate(in AtcInvalidation request)
        {
            run.ThrowIfLost();
            if (TraceEvents.On) TraceEvents.Emit(TraceEventId.BoardAtcInv, TraceAgentKind.Board, -1, request.Sid, request.Pasid, request.Address, (ulong)(uint)request.SizeLog2 | (request.Global ? 0x100UL : 0));
            inner.Invalidate(request);
        }

        public AtcSyncResult Sync(TimeSpan timeout)
        {
            run.ThrowIfLost();
            if (TraceEvents.On) TraceEvents.Emit(TraceEventId.BoardSync, TraceAgentKind.Board, -1);
            var result = inner.Sync(timeout);
            // While reconnecting fails, keep waiting (each Sync retries the connection) until the board
            // is back or the window ends: then the run stops here instead of timing out every CMD_SYNC.
            var deadline = DateTime.UtcNow + run._watch.Window + timeout;
            while (result != AtcSyncResult.Complete && run._watch.Reconnecting && DateTime.UtcNow <= deadline)
            {
                run.ThrowIfLost();
                result = inner.Sync(timeout);
            }
            if (TraceEvents.On) TraceEvents.Emit(TraceEventId.BoardSyncDone, TraceAgentKind.Board, -1, result == AtcSyncResult.Complete ? 0UL : 1);
            if (result != AtcSyncResult.Complete)
            {
                run.ThrowIfLost();
            }
            return result;
        }

        public bool TryDump(uint sid, List<AtcEntry> into) => inner.TryDump(sid, into);
    }
}

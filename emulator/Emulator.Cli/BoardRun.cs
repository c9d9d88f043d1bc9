using Emulator.Board;
using Emulator.Board.Config;
using Emulator.Core.Backends;
using Emulator.Core.Pcie;

namespace Emulator.Cli;

/// <summary>
/// One command's use of the board: the connection, shared by every machine the command builds, and a
/// fresh <see cref="BoardAtcBackend"/> per machine. Each machine starts from an empty board ATC
/// (RESET), so traces replayed one after another do not see each other's translations.
/// </summary>
internal sealed class BoardRun : IDisposable
{
    private BoardRun(BoardLink link, bool lockstep, TimeSpan timeout)
    {
        Link = link;
        Lockstep = lockstep;
        _timeout = timeout;
    }

    private readonly TimeSpan _timeout;

    public BoardLink Link { get; }
    public bool Lockstep { get; }

    /// <summary>The backend of the machine built last.</summary>
    public BoardAtcBackend? Current { get; private set; }

    /// <summary>Connects when <paramref name="config"/> selects the board; null (and nothing printed) for sim.</summary>
    /// <param name="command">For messages ("replay", "boot").</param>
    /// <param name="config">The loaded configuration.</param>
    /// <param name="stderr">Where a connection failure is explained.</param>
    /// <param name="failed">True when the board was selected but could not be used (the reason is on <paramref name="stderr"/>).</param>
    public static BoardRun? Open(string command, HwConfig config, TextWriter stderr, out bool failed)
    {
        failed = false;
        if (config.Backend != BackendKind.Board)
        {
            return null;
        }
        var link = BoardSetup.Connect(command, config, stderr);
        if (link is null)
        {
            failed = true;
            return null;
        }
        return new BoardRun(link, config.Lockstep, config.Timeouts.Sync);
    }

    /// <summary>For <c>MachineOptions.Backend</c>: empties the board's ATC and wraps the machine's sim backend.</summary>
    public IAtcBackend Create(SimAtcBackend sim)
    {
        if (!Link.Reset(_timeout))
        {
            throw new BoardException($"{Link.Description}: the board did not confirm RESET ({Link.LastError ?? "timeout"})");
        }
        Current = new BoardAtcBackend(sim, Link, Lockstep);
        return Current;
    }

    /// <summary>Lockstep's findings for the current machine that mean the board did not apply an
    /// invalidation (entries the board holds and the model does not), as messages.</summary>
    public IReadOnlyList<string> BoardOnlyDivergences() =>
        Current is null ? [] : [.. Current.Divergences.Where(d => d.OnBoardOnly).Select(d => "lockstep: " + d)];

    public void Dispose() => Link.Dispose();
}

using System.Runtime.InteropServices;

namespace Emulator.Cli.Shell;

/// <summary>
/// Ctrl-C for commands that keep partial results (<c>replay</c>, <c>bench</c>, <c>trace
/// import-strace</c>): the first SIGINT cancels <see cref="Token"/>, the command finishes the item in
/// hand, prints what finished and exits 130; a second SIGINT ends the process at once (130). Under
/// <c>boot --guest</c> the token's cancellation sends the guest its console SIGINT.
/// </summary>
internal sealed class Interrupt : IDisposable
{
    private readonly CancellationTokenSource _cts = new();
    private readonly PosixSignalRegistration? _sigint;
    private int _count;

    private Interrupt(bool listen)
    {
        if (listen)
        {
            _sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
        }
    }

    /// <summary>Cancelled by the first Ctrl-C.</summary>
    public CancellationToken Token => _cts.Token;

    /// <summary>Whether Ctrl-C was pressed.</summary>
    public bool Requested => _cts.IsCancellationRequested;

    /// <summary>Listens for SIGINT until disposed.</summary>
    public static Interrupt Listen() => new(listen: true);

    /// <summary>Never fires until <see cref="Cancel"/> (tests; embedding).</summary>
    public static Interrupt Manual() => new(listen: false);

    /// <summary>As a Ctrl-C.</summary>
    public void Cancel() => _cts.Cancel();

    private void OnSignal(PosixSignalContext context)
    {
        if (Interlocked.Increment(ref _count) == 1)
        {
            context.Cancel = true; // keep running: the command stops at the next item and reports
            _cts.Cancel();
        }
        else
        {
            Environment.Exit(ExitCodes.Interrupted);
        }
    }

    public void Dispose()
    {
        _sigint?.Dispose();
        _cts.Dispose();
    }
}

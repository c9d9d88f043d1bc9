using Emulator.Board.Transport;

namespace Emulator.Cli;

/// <summary>
/// Wraps the board's connector to notice a board that is gone for good: the first connection is the
/// link's own business; after that, once reconnect attempts have failed without a break for
/// <see cref="_window"/> (the configuration's connect timeout), the board is lost: every further
/// attempt fails at once and <see cref="LostReason"/> says why, so the command can stop.
/// </summary>
internal sealed class WatchedConnector(IBoardConnector inner, TimeSpan window) : IBoardConnector
{
    private readonly TimeSpan _window = window;

    /// <summary>Guards the fields below.</summary>
    private readonly Lock _lock = new();
    private int _connections;
    private DateTime? _failingSince;
    private string? _lastError;
    private string? _lost;

    public string Description => inner.Description;

    /// <summary>The reconnect window (the configuration's connect timeout).</summary>
    public TimeSpan Window => _window;

    /// <summary>A reconnect attempt failed and none has succeeded since: the board may be gone.</summary>
    public bool Reconnecting
    {
        get
        {
            lock (_lock)
            {
                return _failingSince is not null;
            }
        }
    }

    /// <summary>Why the board is considered lost (one line naming it and the last error), or null.</summary>
    public string? LostReason
    {
        get
        {
            lock (_lock)
            {
                return _lost;
            }
        }
    }

    public async ValueTask<IBoardTransport> ConnectAsync(CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            if (_lost is not null)
            {
                throw new IOException(_lost);
            }
        }
        try
        {
            var transport = await inner.ConnectAsync(cancellationToken).ConfigureAwait(false);
            lock (_lock)
            {
                _connections++;
                _failingSince = null;
            }
            return transport;
        }
        catch (Exception e) when (e is IOException or OperationCanceledException)
        {
            lock (_lock)
            {
                if (_connections > 0)
                {
                    var now = DateTime.UtcNow;
                    _failingSince ??= now;
                    _lastError = e is OperationCanceledException ? "no connection" : e.Message;
                    if (now - _failingSince.Value >= _window)
                    {
                        _lost = $"lost the board {inner.Description}: reconnecting failed for {_window.TotalSeconds:0.#} s (last error: {_lastError})";
                    }
                }
            }
            throw;
        }
    }
}

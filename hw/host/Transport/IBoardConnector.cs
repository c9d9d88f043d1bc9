namespace Emulator.Board.Transport;

/// <summary>Opens a transport to one configured board; called again to reconnect after a disconnect.</summary>
public interface IBoardConnector
{
    /// <summary>What this connects to, for messages (same form as <see cref="IBoardTransport.Description"/>).</summary>
    string Description { get; }

    /// <summary>Opens a new connection.</summary>
    /// <exception cref="IOException">The board cannot be reached (refused, not found, unplugged);
    /// the message says which board and why.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> fired.</exception>
    ValueTask<IBoardTransport> ConnectAsync(CancellationToken cancellationToken);
}

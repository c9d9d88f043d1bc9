namespace Emulator.Board;

/// <summary>The board cannot be used: not reachable, refused our protocol version, or broke the
/// handshake. Host-side I/O, so an exception; the message says which board and what to do.</summary>
public sealed class BoardException : IOException
{
    public BoardException(string message, Exception? inner = null) : base(message, inner)
    {
    }

    /// <summary>The board (or its CAPS frame's header) speaks another major version: retrying cannot help.</summary>
    public bool VersionRefused { get; init; }
}

using System.IO.Pipelines;

namespace Emulator.Board.Transport;

/// <summary>
/// One open byte stream to a board: frames (docs/wire-protocol.md) are written to
/// <see cref="Output"/> and arrive on <see cref="Input"/>. USB bulk endpoints, TCP and Unix sockets
/// all look like this, so the framing, the handshake and the resend logic never see the transport.
/// </summary>
/// <remarks>
/// <para>The stream carries no message boundaries: a transport may split or merge frames at will
/// (USB transfers, TCP segments), and the receiver parses with <c>FrameCodec.TryParseFrame</c>.</para>
/// <para>End of <see cref="Input"/> (<c>ReadResult.IsCompleted</c>) means the board went away
/// (unplugged, socket closed); the owner then disposes this transport and connects a new one.
/// Host I/O failures surface as exceptions from the pipe (<c>IOException</c>, <c>SocketException</c>).</para>
/// <para>One reader and one writer: <see cref="Input"/> and <see cref="Output"/> may be used from two
/// different threads, each by one at a time.</para>
/// </remarks>
public interface IBoardTransport : IAsyncDisposable
{
    /// <summary>For messages: "tcp 127.0.0.1:7700", "unix /run/board.sock", "usb 1d50:6018 serial X".</summary>
    string Description { get; }

    /// <summary>Bytes from the board.</summary>
    PipeReader Input { get; }

    /// <summary>Bytes to the board; flushed data is sent.</summary>
    PipeWriter Output { get; }
}

using System.IO.Pipelines;
using System.Net.Sockets;

namespace Emulator.Board.Transport;

/// <summary>A board connection over a connected stream socket (TCP or Unix domain): the software board
/// in <c>firmware-stubs/</c>, or a board bridged onto the network.</summary>
/// <remarks>
/// <para>The receive side is a <see cref="Core.Wire.SocketReceivePump"/> (a dedicated thread with blocking
/// receives into pooled 64 KiB segments that <c>FrameCodec.TryParseFrame</c> parses in place, the
/// reader's continuation running on that thread); the send side wraps a <see cref="NetworkStream"/>
/// (<see cref="PipeWriter.Create(Stream, StreamPipeWriterOptions?)"/>), each flush of
/// <see cref="Output"/> one send. TCP_NODELAY is on: the backend batches its frames itself, and Nagle
/// would hold back the SYNC that ends a batch.</para>
/// <para>The peer closing the connection completes <see cref="Input"/> (<c>IsCompleted</c>); a reset
/// surfaces as an <see cref="IOException"/> from the pipe.</para>
/// </remarks>
public sealed class SocketTransport : IBoardTransport
{
    private const int ReceiveBufferSize = 64 * 1024;

    private readonly Socket _socket;
    private readonly NetworkStream _stream;
    private int _disposed;

    /// <summary>Takes ownership of <paramref name="socket"/>, which must be connected.</summary>
    /// <param name="socket">A connected stream socket.</param>
    /// <param name="description">For messages: "tcp 127.0.0.1:7700", "unix /run/board.sock".</param>
    /// <exception cref="ArgumentException"><paramref name="socket"/> is not a connected stream socket.</exception>
    public SocketTransport(Socket socket, string description)
    {
        ArgumentNullException.ThrowIfNull(socket);
        if (socket.SocketType != SocketType.Stream || !socket.Connected)
            throw new ArgumentException("a connected stream socket is required", nameof(socket));
        if (socket.AddressFamily is AddressFamily.InterNetwork or AddressFamily.InterNetworkV6)
            socket.NoDelay = true;
        _socket = socket;
        _stream = new NetworkStream(socket, ownsSocket: true);
        Description = description;
        Input = Core.Wire.SocketReceivePump.Start(socket, "board rx " + description, ReceiveBufferSize);
        Output = PipeWriter.Create(_stream, new StreamPipeWriterOptions(leaveOpen: true));
    }

    public string Description { get; }

    public PipeReader Input { get; }

    public PipeWriter Output { get; }

    /// <summary>Closes the connection: shuts the socket down (a read pending on <see cref="Input"/> ends),
    /// completes both pipes (if the owner has not) and releases the socket. Unflushed output is discarded.
    /// Idempotent; never throws for a connection that is already gone.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
            return;
        try
        {
            _socket.Shutdown(SocketShutdown.Both);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // Already reset or closed by the peer.
        }
        try
        {
            Input.CancelPendingRead();
            Output.CancelPendingFlush();
        }
        catch (Exception e) when (e is ObjectDisposedException or InvalidOperationException)
        {
            // The owner completed the pipes already.
        }
        await CompleteQuietly(Input.CompleteAsync()).ConfigureAwait(false);
        await CompleteQuietly(Output.CompleteAsync()).ConfigureAwait(false);
        await _stream.DisposeAsync().ConfigureAwait(false);
    }

    private static async ValueTask CompleteQuietly(ValueTask completion)
    {
        try
        {
            await completion.ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException or InvalidOperationException or OperationCanceledException)
        {
            // Completing a pipe over a dead socket, or one whose read is still being cancelled: the
            // connection is going away regardless.
        }
    }

    public override string ToString() => Description;
}

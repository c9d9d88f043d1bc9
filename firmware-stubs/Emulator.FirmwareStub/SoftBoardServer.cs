using System.Globalization;
using System.IO.Pipelines;
using Emulator.Core.Wire;
using System.Net;
using System.Net.Sockets;
using Emulator.Core.Diagnostics;
using NLog;

namespace Emulator.FirmwareStub;

/// <summary>
/// Serves a <see cref="SoftBoard"/> on a TCP port and/or a Unix domain socket: one
/// <see cref="SoftBoardSession"/> per connection, concurrently, until disposed.
/// </summary>
/// <remarks>
/// <para>A client that sends garbage, stops inside a frame or resets the connection ends only its own
/// session (logged); the server keeps accepting. It is bounded: at most
/// <see cref="SoftBoardOptions.MaxConnections"/> sessions (one more gets ERROR overrun and is closed),
/// each with bounded buffers and idle, handshake and write timeouts; an accept that fails for want of
/// descriptors, threads or memory is survived (<see cref="AcceptLoopAsync"/>). Bytes are moved with System.IO.Pipelines over a
/// <see cref="NetworkStream"/>; TCP_NODELAY is on, because replies are already batched per read and
/// Nagle would only delay a SYNC_ACK.</para>
/// </remarks>
public sealed class SoftBoardServer : IAsyncDisposable
{
    private const int ReceiveBufferSize = 64 * 1024;

    private static readonly Logger Logger = Log.For("firmware-stub");

    private readonly List<Socket> _listeners = [];
    private readonly List<Task> _acceptLoops = [];
    private readonly CancellationTokenSource _stop = new();

    /// <summary>Guards <see cref="_sessions"/>.</summary>
    private readonly Lock _sessionsLock = new();

    /// <summary>Running sessions and their tasks; a session removes itself when it ends. Under <see cref="_sessionsLock"/>.</summary>
    private readonly Dictionary<SoftBoardSession, Task> _sessions = [];

    private long _connectionsAccepted;
    private long _connectionsRefused;
    private long _acceptFailures;
    private int _refusing;
    private int _acceptTrouble;
    private int _disposed;

    /// <summary>Guards <see cref="_spare"/>.</summary>
    private readonly Lock _spareLock = new();

    /// <summary>A descriptor held in reserve for the moment the process runs out (see <see cref="ShedOne"/>).</summary>
    private Microsoft.Win32.SafeHandles.SafeFileHandle? _spare = OpenSpare();

    private SoftBoardServer(SoftBoard board) => Board = board;

    public SoftBoard Board { get; }

    /// <summary>The bound TCP endpoint (the real port when 0 was asked for); null without TCP.</summary>
    public IPEndPoint? TcpEndPoint { get; private set; }

    /// <summary>The Unix socket's path; null without one.</summary>
    public string? UnixPath { get; private set; }

    /// <summary>Where the server listens, in the transports' form: "tcp 127.0.0.1:7700", "unix /tmp/board.sock".</summary>
    public IReadOnlyList<string> Addresses
    {
        get
        {
            var addresses = new List<string>(2);
            if (TcpEndPoint is not null)
                addresses.Add("tcp " + TcpEndPoint.ToString());
            if (UnixPath is not null)
                addresses.Add("unix " + UnixPath);
            return addresses;
        }
    }

    /// <summary>Connections accepted so far.</summary>
    public long ConnectionsAccepted => Interlocked.Read(ref _connectionsAccepted);

    /// <summary>Connections closed at once: over <see cref="SoftBoardOptions.MaxConnections"/>, or shed
    /// while out of descriptors.</summary>
    public long ConnectionsRefused => Interlocked.Read(ref _connectionsRefused);

    /// <summary>Accepts that failed for want of a descriptor, a thread or memory (each survived).</summary>
    public long AcceptFailures => Interlocked.Read(ref _acceptFailures);

    /// <summary>Sessions running now.</summary>
    public int ActiveSessions
    {
        get
        {
            lock (_sessionsLock)
                return _sessions.Count;
        }
    }

    /// <summary>Binds and starts accepting. At least one of <paramref name="tcp"/> and
    /// <paramref name="unixPath"/> is required.</summary>
    /// <param name="board">The board every connection talks to.</param>
    /// <param name="tcp">Address and port to listen on; port 0 picks a free one (see <see cref="TcpEndPoint"/>).</param>
    /// <param name="unixPath">Path of a Unix domain socket; it must not exist. (A stub that was killed
    /// leaves its socket file behind; .NET cannot tell a socket file from any other, so the stub never
    /// deletes what it did not create, and the error says to remove it.)</param>
    /// <exception cref="ArgumentException">Neither endpoint given, or <paramref name="unixPath"/> cannot
    /// name a socket (<see cref="UnixSocketPath.Check"/>).</exception>
    /// <exception cref="IOException">An address cannot be bound (in use, no permission); the message names it.</exception>
    public static SoftBoardServer Start(SoftBoard board, IPEndPoint? tcp = null, string? unixPath = null)
    {
        ArgumentNullException.ThrowIfNull(board);
        if (tcp is null && unixPath is null)
            throw new ArgumentException("give a TCP endpoint, a Unix socket path, or both");
        if (unixPath is not null && !UnixSocketPath.Check(unixPath, out string? unixError))
            throw new ArgumentException(unixError, nameof(unixPath));
        var server = new SoftBoardServer(board);
        try
        {
            if (tcp is not null)
            {
                Socket listener = Listen(new Socket(tcp.AddressFamily, SocketType.Stream, ProtocolType.Tcp), tcp, "tcp " + tcp);
                server._listeners.Add(listener);
                server.TcpEndPoint = (IPEndPoint)listener.LocalEndPoint!;
            }
            if (unixPath is not null)
            {
                Socket listener = Listen(new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified),
                    new UnixDomainSocketEndPoint(unixPath), "unix " + unixPath);
                server._listeners.Add(listener);
                server.UnixPath = unixPath;
            }
        }
        catch
        {
            server.DisposeAsync().AsTask().GetAwaiter().GetResult();
            throw;
        }
        foreach (Socket listener in server._listeners)
            server._acceptLoops.Add(server.AcceptLoopAsync(listener));
        return server;
    }

    private static Socket Listen(Socket socket, EndPoint endPoint, string description)
    {
        try
        {
            socket.Bind(endPoint);
            socket.Listen(backlog: 64);
            return socket;
        }
        catch (SocketException e)
        {
            socket.Dispose();
            string hint = e.SocketErrorCode == SocketError.AddressAlreadyInUse && endPoint is UnixDomainSocketEndPoint
                ? $" (remove {endPoint} if no firmware stub is running: a killed one leaves its socket file behind)"
                : "";
            throw new IOException($"firmware stub: cannot listen on {description}: {e.Message}{hint}", e);
        }
    }

    /// <summary>Accepts until the server stops, whatever happens to one accept: a failure never ends
    /// the loop. Out of descriptors (EMFILE/ENFILE), it closes its spare descriptor to accept and close
    /// the connection waiting (so that client is told at once instead of hanging in the backlog), takes
    /// the spare back, logs once and backs off up to a second; sessions already open go on. The
    /// daemon practice of nginx and libev.</summary>
    private async Task AcceptLoopAsync(Socket listener)
    {
        CancellationToken stop = _stop.Token;
        int backoffMs = 0;
        while (!stop.IsCancellationRequested)
        {
            Socket client;
            try
            {
                if (backoffMs > 0)
                    await Task.Delay(backoffMs, stop).ConfigureAwait(false);
                client = await listener.AcceptAsync(stop).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException)
            {
                return;
            }
            catch (SocketException e) when (e.SocketErrorCode is SocketError.TooManyOpenSockets or SocketError.NoBufferSpaceAvailable)
            {
                Trouble(listener, e.Message);
                ShedOne(listener);
                backoffMs = Math.Clamp(backoffMs * 2, 10, 1000);
                continue;
            }
            catch (SocketException e)
            {
                // The client gave up between SYN and accept: nothing wrong with us.
                Logger.Debug("accept failed on {0}: {1}", listener.LocalEndPoint, e.Message);
                continue;
            }
            try
            {
                StartSession(client);
                backoffMs = 0;
                if (Interlocked.Exchange(ref _acceptTrouble, 0) != 0)
                    Logger.Warn("taking new connections on {0} again ({1} accepts failed)", listener.LocalEndPoint, AcceptFailures);
            }
            catch (Exception e) when (e is OutOfMemoryException or ThreadStartException or IOException or SocketException or ObjectDisposedException)
            {
                // No thread for one more session: the runtime reports a thread it cannot start (out of
                // descriptors or memory) as OutOfMemoryException. Close it, keep serving, back off.
                Trouble(listener, e.Message);
                client.Dispose();
                backoffMs = Math.Clamp(backoffMs * 2, 10, 1000);
            }
        }
    }

    /// <summary>Counts a failed accept; the first of an episode is logged, the rest only counted (the
    /// episode's end is logged too, with the count).</summary>
    private void Trouble(Socket listener, string why)
    {
        Interlocked.Increment(ref _acceptFailures);
        if (Interlocked.Exchange(ref _acceptTrouble, 1) == 0)
            Logger.Warn("cannot take new connections on {0}: {1}; shedding them and backing off ({2} sessions go on)",
                listener.LocalEndPoint, why.TrimEnd('.'), ActiveSessions);
    }

    /// <summary>Out of descriptors: give back the spare, accept the connection that is waiting and close
    /// it at once, take the spare again.</summary>
    private void ShedOne(Socket listener)
    {
        lock (_spareLock)
        {
            _spare?.Dispose();
            _spare = null;
            try
            {
                if (listener.Poll(0, SelectMode.SelectRead))
                {
                    using Socket shed = listener.Accept();
                    Interlocked.Increment(ref _connectionsRefused);
                }
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException or InvalidOperationException)
            {
                // Still nothing to spare, or stopping: the back-off covers it.
            }
            _spare = OpenSpare();
        }
    }

    private static Microsoft.Win32.SafeHandles.SafeFileHandle? OpenSpare()
    {
        try
        {
            return File.OpenHandle("/dev/null");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private void StartSession(Socket client)
    {
        if (ActiveSessions >= Board.Options.MaxConnections)
        {
            Refuse(client);
            return;
        }
        if (Interlocked.Exchange(ref _refusing, 0) != 0)
            Logger.Warn("serving new connections again ({0} refused so far)", ConnectionsRefused);
        StartAcceptedSession(client);
    }

    /// <summary>At the connection limit: say why in an ERROR and close. The send is a single small
    /// non-blocking write into an empty socket buffer, so it cannot stall the accept loop.</summary>
    private void Refuse(Socket client)
    {
        Interlocked.Increment(ref _connectionsRefused);
        if (Interlocked.Exchange(ref _refusing, 1) == 0)
            Logger.Warn("at the limit of {0} connections: refusing new ones (ERROR overrun)", Board.Options.MaxConnections);
        try
        {
            string message = string.Create(CultureInfo.InvariantCulture,
                $"the board serves at most {Board.Options.MaxConnections} connections (CAPS maxConnections); try again later");
            var payload = new ErrorPayload(WireErrorCode.Overrun, message);
            Span<byte> frame = stackalloc byte[FrameCodec.GetFrameLength(payload.Size)];
            int length = FrameCodec.WriteFrame(frame, 0, payload);
            client.Blocking = false;
            client.Send(frame[..length], SocketFlags.None, out _);
            client.Shutdown(SocketShutdown.Both);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // It went away first.
        }
        client.Dispose();
    }

    private void StartAcceptedSession(Socket client)
    {
        long number = Interlocked.Increment(ref _connectionsAccepted);
        string description;
        if (client.AddressFamily == AddressFamily.Unix)
        {
            description = string.Create(CultureInfo.InvariantCulture, $"unix {UnixPath} #{number}");
        }
        else
        {
            client.NoDelay = true;
            description = "tcp " + client.RemoteEndPoint;
        }
        var stream = new NetworkStream(client, ownsSocket: true);
        PipeReader input;
        try
        {
            input = SocketReceivePump.Start(client, "stub rx", ReceiveBufferSize);
        }
        catch
        {
            stream.Dispose();
            throw;
        }
        SoftBoardSession session = Board.CreateSession(input, PipeWriter.Create(stream, new StreamPipeWriterOptions(leaveOpen: true)), description);
        Logger.Info("{0}: connected", description);
        lock (_sessionsLock)
        {
            // Started inside the lock (it yields at once), so that it cannot remove itself before it is added.
            _sessions.Add(session, RunSessionAsync(session, stream));
        }
    }

    private async Task RunSessionAsync(SoftBoardSession session, NetworkStream stream)
    {
        await Task.Yield();
        try
        {
            await session.RunAsync(_stop.Token).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            // A bug in the stub, not the client's doing; still, one bad session must not take the others down.
            Logger.Error(e, "{0}: session failed", session.Description);
        }
        finally
        {
            await stream.DisposeAsync().ConfigureAwait(false);
            lock (_sessionsLock)
            {
                _sessions.Remove(session);
            }
        }
    }

    /// <summary>Stops accepting, ends every session (their tasks complete with
    /// <see cref="SoftBoardSessionEnd.Cancelled"/>), closes the sockets and removes the Unix socket file.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
            return;
        await _stop.CancelAsync().ConfigureAwait(false);
        foreach (Socket listener in _listeners)
            listener.Dispose();
        await Task.WhenAll(_acceptLoops).ConfigureAwait(false);
        Task[] running;
        lock (_sessionsLock)
        {
            running = [.. _sessions.Values];
        }
        await Task.WhenAll(running).ConfigureAwait(false);
        lock (_spareLock)
        {
            _spare?.Dispose();
            _spare = null;
        }
        if (UnixPath is not null)
        {
            try
            {
                File.Delete(UnixPath);
            }
            catch (IOException)
            {
                // Someone removed or replaced it already.
            }
        }
        _stop.Dispose();
    }
}

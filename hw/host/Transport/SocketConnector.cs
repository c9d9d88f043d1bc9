using Emulator.Core.Text;
using Emulator.Core.Wire;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Emulator.Board.Transport;

/// <summary>Connects to a board (in practice the software board of <c>firmware-stubs/</c>) over TCP or a
/// Unix domain socket.</summary>
/// <remarks>
/// <para>Address syntax (<see cref="TryParse"/>), as in hw-config and on the command line:</para>
/// <list type="bullet">
/// <item><c>tcp:HOST:PORT</c> — HOST is an IPv4 address, a bracketed IPv6 address or a host name:
/// <c>tcp:127.0.0.1:7700</c>, <c>tcp:[::1]:7700</c>, <c>tcp:localhost:7700</c>.</item>
/// <item><c>unix:PATH</c> — <c>unix:/run/sva-board.sock</c>; the path is taken verbatim.</item>
/// </list>
/// <para><see cref="Description"/> uses a space instead of the first colon ("tcp 127.0.0.1:7700",
/// "unix /run/sva-board.sock"), like the stub's "listening on" line.</para>
/// </remarks>
public sealed class SocketConnector : IBoardConnector
{
    private readonly string? _host;
    private readonly int _port;
    private readonly string? _path;

    private SocketConnector(string? host, int port, string? path, string description)
    {
        _host = host;
        _port = port;
        _path = path;
        Description = description;
    }

    public string Description { get; }

    /// <summary>A connector for TCP <paramref name="host"/>:<paramref name="port"/>.</summary>
    /// <exception cref="ArgumentException"><paramref name="host"/> is empty.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="port"/> is not 1..65535.</exception>
    public static SocketConnector Tcp(string host, int port)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(host);
        ArgumentOutOfRangeException.ThrowIfLessThan(port, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(port, IPEndPoint.MaxPort);
        string shown = host.Contains(':', StringComparison.Ordinal) ? $"[{host}]" : host;
        return new SocketConnector(host, port, null, string.Create(CultureInfo.InvariantCulture, $"tcp {shown}:{port}"));
    }

    /// <summary>A connector for TCP <paramref name="endPoint"/>.</summary>
    public static SocketConnector Tcp(IPEndPoint endPoint)
    {
        ArgumentNullException.ThrowIfNull(endPoint);
        return Tcp(endPoint.Address.ToString(), endPoint.Port);
    }

    /// <summary>A connector for the Unix domain socket at <paramref name="path"/>.</summary>
    /// <exception cref="ArgumentException"><paramref name="path"/> cannot name a socket (<see cref="UnixSocketPath.Check"/>).</exception>
    public static SocketConnector Unix(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!UnixSocketPath.Check(path, out string? why))
        {
            throw new ArgumentException(why, nameof(path));
        }
        return new SocketConnector(null, 0, path, "unix " + path);
    }

    /// <summary>Parses <c>tcp:HOST:PORT</c> or <c>unix:PATH</c> (see the class remarks).</summary>
    /// <param name="address">The address.</param>
    /// <param name="connector">The connector, when the result is true.</param>
    /// <param name="error">Why <paramref name="address"/> was refused, when the result is false.</param>
    public static bool TryParse(string address, [NotNullWhen(true)] out SocketConnector? connector, [NotNullWhen(false)] out string? error)
    {
        connector = null;
        error = null;
        ArgumentNullException.ThrowIfNull(address);
        if (address.StartsWith("unix:", StringComparison.Ordinal))
        {
            string path = address["unix:".Length..];
            if (path.Length == 0)
            {
                error = $"'{address}': the Unix socket path is empty (expected unix:PATH)";
                return false;
            }
            if (!UnixSocketPath.Check(path, out string? why))
            {
                error = why!;
                return false;
            }
            connector = Unix(path);
            return true;
        }
        if (!address.StartsWith("tcp:", StringComparison.Ordinal))
        {
            error = $"'{SafeText.Escape(address)}': expected tcp:HOST:PORT or unix:PATH";
            return false;
        }
        string rest = address["tcp:".Length..];
        int colon = rest.LastIndexOf(':');
        if (colon <= 0)
        {
            error = $"'{address}': expected tcp:HOST:PORT, e.g. tcp:127.0.0.1:7700";
            return false;
        }
        string host = rest[..colon];
        if (host.StartsWith('[') && host.EndsWith(']'))
        {
            host = host[1..^1];
            if (!IPAddress.TryParse(host, out IPAddress? v6) || v6.AddressFamily != AddressFamily.InterNetworkV6)
            {
                error = $"'{address}': '{host}' in brackets is not an IPv6 address";
                return false;
            }
        }
        else if (host.Contains(':', StringComparison.Ordinal))
        {
            error = $"'{address}': put an IPv6 address in brackets, e.g. tcp:[::1]:7700";
            return false;
        }
        if (!int.TryParse(rest.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out int port)
            || port < 1 || port > IPEndPoint.MaxPort || host.Length == 0)
        {
            error = $"'{address}': expected tcp:HOST:PORT with a port 1..65535";
            return false;
        }
        connector = Tcp(host, port);
        return true;
    }

    /// <summary>Connects. The transport owns its socket; dispose it to close.</summary>
    /// <exception cref="IOException">The board cannot be reached; the message names the address and,
    /// when nothing listens there, how to start the firmware stub.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> fired.</exception>
    public async ValueTask<IBoardTransport> ConnectAsync(CancellationToken cancellationToken)
    {
        Socket socket;
        EndPoint endPoint;
        if (_path is not null)
        {
            socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            endPoint = new UnixDomainSocketEndPoint(_path);
        }
        else if (IPAddress.TryParse(_host, out IPAddress? address))
        {
            socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            endPoint = new IPEndPoint(address, _port);
        }
        else
        {
            socket = new Socket(SocketType.Stream, ProtocolType.Tcp); // dual mode: the name may resolve to either family
            endPoint = new DnsEndPoint(_host!, _port);
        }
        try
        {
            await socket.ConnectAsync(endPoint, cancellationToken).ConfigureAwait(false);
            return new SocketTransport(socket, Description);
        }
        catch (SocketException e)
        {
            socket.Dispose();
            throw new IOException(Explain(e), e);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    private string Explain(SocketException e)
    {
        bool nobodyListens = e.SocketErrorCode is SocketError.ConnectionRefused
            || (_path is not null && e.SocketErrorCode is SocketError.AddressNotAvailable or SocketError.AddressFamilyNotSupported)
            || (_path is not null && !File.Exists(_path));
        if (!nobodyListens)
            return $"{Description}: cannot connect: {e.Message}";
        string listen = _path is not null ? "--unix " + _path : $"--listen {(_host!.Contains(':', StringComparison.Ordinal) ? $"[{_host}]" : _host)}:{_port}";
        return $"{Description}: connection refused ({e.Message}) — is the firmware stub running? " +
            $"(dotnet run --project firmware-stubs/Emulator.FirmwareStub -- {listen})";
    }
}

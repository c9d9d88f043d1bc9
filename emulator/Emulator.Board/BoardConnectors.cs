using Emulator.Board.Config;
using Emulator.Board.Transport;

namespace Emulator.Board;

/// <summary>Turns the transport section of <c>hw-config.yaml</c> into a connector.</summary>
public static class BoardConnectors
{
    /// <summary>The connector <paramref name="config"/> describes.</summary>
    /// <param name="config">A loaded configuration (its checks guarantee the address for tcp/unix).</param>
    /// <param name="connector">The connector, when the result is true.</param>
    /// <param name="error">What is missing or unsupported, when false.</param>
    public static bool TryCreate(HwConfig config, out IBoardConnector? connector, out string? error)
    {
        ArgumentNullException.ThrowIfNull(config);
        connector = null;
        error = null;
        switch (config.Transport)
        {
            case TransportKind.Tcp when config.Socket.Tcp is { } tcp:
                connector = SocketConnector.Tcp(tcp.Host, tcp.Port);
                return true;
            case TransportKind.Unix when config.Socket.UnixPath is { } path:
                connector = SocketConnector.Unix(path);
                return true;
            case TransportKind.Usb:
                error = "transport usb: the libusb transport is not built yet";
                return false;
            default:
                error = $"transport {config.Transport.ToString().ToLowerInvariant()} has no address in the configuration";
                return false;
        }
    }
}

using Emulator.Board.Config;
using Emulator.Board.Transport;
using Emulator.Board.Usb;

namespace Emulator.Board;

/// <summary>Turns the transport section of <c>hw-config.yaml</c> into a connector.</summary>
public static class BoardConnectors
{
    /// <summary>The connector <paramref name="config"/> describes: USB (<see cref="UsbConnector"/>), TCP or a
    /// Unix socket (<see cref="SocketConnector"/>). With <see cref="HwConfig.PcapPath"/> set, every transfer
    /// is also recorded there as usbmon pcap: natively by the USB transport, through
    /// <see cref="PcapConnector"/> for sockets.</summary>
    /// <param name="config">A loaded configuration (its checks guarantee the address for tcp/unix).</param>
    /// <param name="connector">The connector, when the result is true.</param>
    /// <param name="error">What is missing, unsupported, or why the capture file cannot be created, when false.</param>
    /// <remarks>The capture file is created here and stays open for the process's life (each record is
    /// flushed as it is written, so nothing is lost at exit).</remarks>
    public static bool TryCreate(HwConfig config, out IBoardConnector? connector, out string? error)
    {
        ArgumentNullException.ThrowIfNull(config);
        connector = null;
        error = null;
        UsbmonPcapWriter? capture = null;
        bool wanted = config.Transport switch
        {
            TransportKind.Tcp => config.Socket.Tcp is not null,
            TransportKind.Unix => config.Socket.UnixPath is not null,
            _ => true,
        };
        if (wanted && config.PcapPath is { } path)
        {
            try
            {
                capture = UsbmonPcapWriter.Create(path);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                error = $"pcap {path}: {e.Message}";
                return false;
            }
        }
        switch (config.Transport)
        {
            case TransportKind.Tcp when config.Socket.Tcp is { } tcp:
                connector = Record(SocketConnector.Tcp(tcp.Host, tcp.Port), capture, config);
                return true;
            case TransportKind.Unix when config.Socket.UnixPath is { } unixPath:
                connector = Record(SocketConnector.Unix(unixPath), capture, config);
                return true;
            case TransportKind.Usb:
                connector = new UsbConnector(config.Usb, capture);
                return true;
            default:
                error = $"transport {config.Transport.ToString().ToLowerInvariant()} has no address in the configuration";
                return false;
        }
    }

    private static IBoardConnector Record(IBoardConnector inner, UsbmonPcapWriter? capture, HwConfig config) =>
        capture is null ? inner : new PcapConnector(inner, capture, config.Usb);
}

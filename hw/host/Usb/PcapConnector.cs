using Emulator.Board.Config;
using Emulator.Board.Transport;

namespace Emulator.Board.Usb;

/// <summary>Wraps any connector so that each of its connections is a <see cref="PcapTransport"/>: the
/// session is recorded as the USB bulk transfers a board on <paramref name="device"/> would see.</summary>
/// <param name="inner">The connector whose connections are recorded.</param>
/// <param name="capture">Where the records go (not owned).</param>
/// <param name="usb">Endpoints, transfer size and transfers in flight of the USB transport to mimic.</param>
/// <param name="device">Bus and device address written into the records; <see cref="PcapTransport.DefaultBus"/>
/// and <see cref="PcapTransport.DefaultDevice"/> unless the caller knows better.</param>
public sealed class PcapConnector(IBoardConnector inner, UsbmonPcapWriter capture, UsbConfig usb, (ushort Bus, byte Device)? device = null) : IBoardConnector
{
    private readonly IBoardConnector _inner = inner ?? throw new ArgumentNullException(nameof(inner));
    private readonly UsbmonPcapWriter _capture = capture ?? throw new ArgumentNullException(nameof(capture));
    private readonly UsbConfig _usb = usb ?? throw new ArgumentNullException(nameof(usb));

    /// <summary>The inner connector's description: recording does not change what is connected.</summary>
    public string Description => _inner.Description;

    /// <summary>Connects through the inner connector and starts recording.</summary>
    /// <exception cref="IOException">From the inner connector.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> fired.</exception>
    public async ValueTask<IBoardTransport> ConnectAsync(CancellationToken cancellationToken)
    {
        var transport = await _inner.ConnectAsync(cancellationToken).ConfigureAwait(false);
        var (bus, address) = device ?? (PcapTransport.DefaultBus, PcapTransport.DefaultDevice);
        return new PcapTransport(transport, _capture, _usb, bus, address);
    }
}

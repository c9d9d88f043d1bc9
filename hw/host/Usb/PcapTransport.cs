using System.Buffers;
using System.IO.Pipelines;
using Emulator.Board.Config;
using Emulator.Board.Transport;
using Emulator.Core.Diagnostics;

namespace Emulator.Board.Usb;

/// <summary>
/// Records a session on any transport (TCP, Unix socket) as the USB bulk transfers that
/// <see cref="UsbTransport"/> would make for it, in usbmon pcap form: so that a session with the firmware
/// stub can be opened in Wireshark like a USB capture, and replayed to the USB transport by umockdev.
/// </summary>
/// <remarks>
/// <para>What is recorded, with the USB transport's rules:</para>
/// <list type="bullet">
/// <item>On connect: <see cref="UsbConfig.TransfersInFlight"/> bulk IN submits of
/// <see cref="UsbConfig.TransferSize"/> bytes on <see cref="UsbConfig.EndpointIn"/>.</item>
/// <item>Each flush of <see cref="Output"/>: split into transfers of at most the transfer size; each is a
/// bulk OUT submit with its data and a completion, written before the bytes go to the inner transport.</item>
/// <item>Bytes from the inner transport, in chunks of at most the transfer size as they arrive: each chunk
/// completes the oldest queued IN transfer with that data, and a new IN submit takes its place.</item>
/// <item>The inner transport's input ending (the board closed the connection): every queued IN transfer
/// completes with -ENODEV, as when a USB board is unplugged.</item>
/// <item>Disposal: every queued IN transfer completes with -ENOENT (cancelled).</item>
/// </list>
/// <para>So a replay delivers the board's bytes in the chunks this session saw them; the parser does not
/// care (frames span transfers freely). Bus and device address are whatever the caller says (default
/// <see cref="DefaultBus"/>/<see cref="DefaultDevice"/>, matching the umockdev device of the tests).</para>
/// </remarks>
public sealed class PcapTransport : IBoardTransport
{
    /// <summary>Bus number written when recording a non-USB transport.</summary>
    public const ushort DefaultBus = 1;

    /// <summary>Device address written when recording a non-USB transport (1 is the root hub).</summary>
    public const byte DefaultDevice = 2;

    private const int Enoent = 2, Enodev = 19;
    private static readonly NLog.Logger s_log = Log.For("Board.Usb");

    private readonly IBoardTransport _inner;
    private readonly UsbmonPcapWriter _capture;
    private readonly UsbmonEndpoint _in;
    private readonly UsbmonEndpoint _out;
    private readonly int _transferSize;
    private readonly Pipe _input = new(new PipeOptions(useSynchronizationContext: false));
    private readonly RecordingWriter _output;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _pump;

    /// <summary>The ids of the IN transfers "queued", oldest first. Pump only, after construction.</summary>
    private readonly Queue<ulong> _inQueue = new();
    private int _disposed;

    /// <summary>Starts recording <paramref name="inner"/>, which this transport now owns.</summary>
    /// <param name="inner">The transport to record.</param>
    /// <param name="capture">Where records go (not owned).</param>
    /// <param name="usb">Endpoints, transfer size, transfers in flight of the USB transport to mimic.</param>
    /// <param name="bus">busnum in the records.</param>
    /// <param name="device">devnum in the records.</param>
    public PcapTransport(IBoardTransport inner, UsbmonPcapWriter capture, UsbConfig usb, ushort bus = DefaultBus, byte device = DefaultDevice)
    {
        _inner = inner ?? throw new ArgumentNullException(nameof(inner));
        _capture = capture ?? throw new ArgumentNullException(nameof(capture));
        ArgumentNullException.ThrowIfNull(usb);
        _in = new UsbmonEndpoint(bus, device, usb.EndpointIn);
        _out = new UsbmonEndpoint(bus, device, usb.EndpointOut);
        _transferSize = usb.TransferSize;
        for (int i = 0; i < usb.TransfersInFlight; i++)
        {
            SubmitIn();
        }
        _output = new RecordingWriter(this);
        _pump = Task.Run(PumpAsync);
    }

    public string Description => _inner.Description;

    public PipeReader Input => _input.Reader;

    public PipeWriter Output => _output;

    private void SubmitIn()
    {
        ulong id = _capture.NewUrbId();
        _capture.SubmitBulkIn(id, _in, _transferSize);
        _inQueue.Enqueue(id);
    }

    private async Task PumpAsync()
    {
        Exception? error = null;
        try
        {
            while (true)
            {
                var read = await _inner.Input.ReadAsync(_stop.Token).ConfigureAwait(false);
                var buffer = read.Buffer;
                foreach (var segment in buffer)
                {
                    for (int offset = 0; offset < segment.Length; offset += _transferSize)
                    {
                        var chunk = segment.Span.Slice(offset, Math.Min(_transferSize, segment.Length - offset));
                        if (Volatile.Read(ref _disposed) == 0)
                        {
                            _capture.CompleteBulkIn(_inQueue.Dequeue(), _in, 0, chunk);
                            SubmitIn();
                        }
                        chunk.CopyTo(_input.Writer.GetSpan(chunk.Length));
                        _input.Writer.Advance(chunk.Length);
                    }
                }
                _inner.Input.AdvanceTo(buffer.End);
                var flush = await _input.Writer.FlushAsync(_stop.Token).ConfigureAwait(false);
                if (read.IsCompleted)
                {
                    RecordGone();
                    break;
                }
                if (flush.IsCompleted)
                {
                    break;
                }
            }
        }
        catch (OperationCanceledException)
        {
            // Disposed.
        }
        catch (Exception e) when (e is IOException or InvalidOperationException or ObjectDisposedException or System.Net.Sockets.SocketException or InvalidDataException)
        {
            error = e;
        }
        await _input.Writer.CompleteAsync(error).ConfigureAwait(false);
    }

    /// <summary>The board closed the connection: on USB that is an unplug, which completes every queued IN
    /// transfer with -ENODEV — and the USB transport, replaying that, ends its input the same way.</summary>
    private void RecordGone()
    {
        if (Volatile.Read(ref _disposed) != 0)
        {
            return;
        }
        while (_inQueue.TryDequeue(out ulong id))
        {
            _capture.CompleteBulkIn(id, _in, -Enodev, default);
        }
    }

    /// <summary>Records the IN transfers still queued as cancelled (what the USB transport's disposal does),
    /// stops the pump and disposes the inner transport. Idempotent.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }
        _stop.Cancel();
        try
        {
            await _pump.ConfigureAwait(false);
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or InvalidOperationException)
        {
            s_log.Debug("{0}: recording pump: {1}", Description, e.Message);
        }
        foreach (ulong id in _inQueue)
        {
            _capture.CompleteBulkIn(id, _in, -Enoent, default);
        }
        _inQueue.Clear();
        _output.Complete();
        await _inner.DisposeAsync().ConfigureAwait(false);
        _stop.Dispose();
    }

    public override string ToString() => Description;

    /// <summary><see cref="Output"/>: records each flush as bulk OUT transfers, then sends it on.</summary>
    private sealed class RecordingWriter(PcapTransport owner) : TransferWriter(owner._transferSize)
    {
        protected override async ValueTask<FlushResult> SendAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
        {
            for (int offset = 0; offset < data.Length; offset += owner._transferSize)
            {
                var chunk = data.Slice(offset, Math.Min(owner._transferSize, data.Length - offset));
                ulong id = owner._capture.NewUrbId();
                owner._capture.SubmitBulkOut(id, owner._out, chunk.Span);
                owner._capture.CompleteBulkOut(id, owner._out, 0, chunk.Length);
            }
            return await owner._inner.Output.WriteAsync(data, cancellationToken).ConfigureAwait(false);
        }

        protected override void OnCancelPendingFlush() => owner._inner.Output.CancelPendingFlush();

        protected override void OnCompleted(Exception? exception)
        {
            // The inner transport's output is completed when it is disposed.
        }
    }
}

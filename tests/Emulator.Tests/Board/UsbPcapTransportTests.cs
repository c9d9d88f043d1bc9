using System.Buffers;
using System.IO.Pipelines;
using Emulator.Board;
using Emulator.Board.Config;
using Emulator.Board.Transport;
using Emulator.Board.Usb;

namespace Emulator.Tests.Board;

/// <summary>The pcap decorator: a session on any transport is recorded as the bulk transfers the USB
/// transport would make (the recording that umockdev replays), and the bytes pass through unchanged.</summary>
public class UsbPcapTransportTests
{
    private static readonly UsbConfig s_usb = UsbConfig.Default with { TransferSize = 512, TransfersInFlight = 2 };

    /// <summary>Both ends of an in-memory "board" connection.</summary>
    private sealed class MemoryTransport : IBoardTransport
    {
        public Pipe ToBoard { get; } = new();
        public Pipe FromBoard { get; } = new();
        public bool Disposed { get; private set; }
        public string Description => "memory";
        public PipeReader Input => FromBoard.Reader;
        public PipeWriter Output => ToBoard.Writer;

        public ValueTask DisposeAsync()
        {
            Disposed = true;
            return ValueTask.CompletedTask;
        }
    }

    private static byte[] Pattern(int length, byte seed) => Enumerable.Range(0, length).Select(i => (byte)(seed + i)).ToArray();

    [Fact]
    public async Task A_session_is_recorded_as_usb_bulk_transfers_with_the_transports_sizes()
    {
        var stream = new MemoryStream();
        var capture = new UsbmonPcapWriter(stream, leaveOpen: true);
        var inner = new MemoryTransport();
        var t = new PcapTransport(inner, capture, s_usb, bus: 3, device: 7);

        // Host → board: one flush of 1200 bytes = transfers of 512, 512 and 176, sent on as one flush.
        byte[] request = Pattern(1200, 1);
        request.CopyTo(t.Output.GetSpan(1200));
        t.Output.Advance(1200);
        Assert.Equal(1200, t.Output.UnflushedBytes);
        var flushed = await t.Output.FlushAsync();
        Assert.False(flushed.IsCanceled);
        var sent = await inner.ToBoard.Reader.ReadAsync();
        Assert.Equal(request, sent.Buffer.ToArray());
        inner.ToBoard.Reader.AdvanceTo(sent.Buffer.End);

        // Board → host: 600 bytes complete the two queued IN transfers (512 + 88); each is requeued.
        byte[] reply = Pattern(600, 7);
        await inner.FromBoard.Writer.WriteAsync(reply);
        var got = await t.Input.ReadAtLeastAsync(600);
        Assert.Equal(reply, got.Buffer.ToArray());
        t.Input.AdvanceTo(got.Buffer.End);

        await t.DisposeAsync();
        Assert.True(inner.Disposed);

        var records = UsbPcapRecords.Read(stream.ToArray());
        Assert.Equal(
        [
            "S 81 -115 512", "S 81 -115 512",                      // transfers in flight at connect
            "S 01 -115 512 512B", "C 01 0 512",                     // the flush, split at the transfer size
            "S 01 -115 512 512B", "C 01 0 512",
            "S 01 -115 176 176B", "C 01 0 176",
            "C 81 0 512 512B", "S 81 -115 512",                     // the reply, in transfer-size chunks, each IN requeued
            "C 81 0 88 88B", "S 81 -115 512",
            "C 81 -2 0", "C 81 -2 0",                               // disposal cancels the queued INs (-ENOENT)
        ], records.Select(UsbPcapRecords.Describe).ToArray());
        Assert.All(records, r => Assert.Equal((ushort)3, r.Header.Bus));
        Assert.All(records, r => Assert.Equal((byte)7, r.Header.Device));
        Assert.Equal(request, records.Where(r => r.Header.Endpoint == 0x01).SelectMany(r => r.Data).ToArray());
        Assert.Equal(reply, records.Where(r => r.Header.Endpoint == 0x81).SelectMany(r => r.Data).ToArray());
        // Each completion answers the submit with its id, oldest first, as umockdev's replay pairs them.
        var inSubmits = records.Where(r => r.Header is { Endpoint: 0x81, EventType: UsbmonHeader.Submit }).Select(r => r.Header.Id).ToList();
        var inCompletions = records.Where(r => r.Header is { Endpoint: 0x81, EventType: UsbmonHeader.Complete }).Select(r => r.Header.Id).ToList();
        Assert.Equal(inSubmits, inCompletions);
    }

    [Fact]
    public async Task The_board_closing_the_connection_is_recorded_as_an_unplug()
    {
        var stream = new MemoryStream();
        var capture = new UsbmonPcapWriter(stream, leaveOpen: true);
        var inner = new MemoryTransport();
        var t = new PcapTransport(inner, capture, s_usb);
        await inner.FromBoard.Writer.CompleteAsync();
        var end = await t.Input.ReadAsync();
        Assert.True(end.IsCompleted); // the owner sees the board gone, as with the USB transport
        await t.DisposeAsync();
        var records = UsbPcapRecords.Read(stream.ToArray());
        // -ENODEV on every queued IN: what a USB transport sees when the board is unplugged.
        Assert.Equal(["S 81 -115 512", "S 81 -115 512", "C 81 -19 0", "C 81 -19 0"], records.Select(UsbPcapRecords.Describe).ToArray());
    }

    [Fact]
    public async Task Each_flush_is_sent_on_its_own_and_an_empty_flush_records_nothing()
    {
        var stream = new MemoryStream();
        var capture = new UsbmonPcapWriter(stream, leaveOpen: true);
        var inner = new MemoryTransport();
        var t = new PcapTransport(inner, capture, s_usb with { TransfersInFlight = 1 });
        await t.Output.FlushAsync();
        await t.Output.WriteAsync(new byte[] { 1, 2 });
        await t.Output.WriteAsync(new byte[] { 3 });
        Assert.Equal(0, t.Output.UnflushedBytes);
        await t.DisposeAsync();
        var records = UsbPcapRecords.Read(stream.ToArray());
        // Two flushes, two OUT transfers: never merged, whatever the timing.
        Assert.Equal(["S 81 -115 512", "S 01 -115 2 2B", "C 01 0 2", "S 01 -115 1 1B", "C 01 0 1", "C 81 -2 0"],
            records.Select(UsbPcapRecords.Describe).ToArray());
    }

    [Fact]
    public void Board_connectors_pick_usb_and_wrap_any_transport_for_a_capture()
    {
        string dir = Directory.CreateTempSubdirectory("usb-connectors-").FullName;
        try
        {
            Assert.True(BoardConnectors.TryCreate(HwConfig.Default with { Backend = BackendKind.Board }, out var usb, out string? error), error);
            Assert.IsType<UsbConnector>(usb);
            Assert.Equal("usb 1d50:6199", usb!.Description);

            var serial = HwConfig.Default with { Usb = UsbConfig.Default with { Serial = "FPGA-07" } };
            Assert.True(BoardConnectors.TryCreate(serial, out var usbSerial, out _));
            Assert.Equal("usb 1d50:6199 serial FPGA-07", usbSerial!.Description);

            string pcap = Path.Combine(dir, "tcp.pcap");
            var tcp = HwConfig.Default with
            {
                Transport = TransportKind.Tcp,
                Socket = SocketConfig.Default with { Tcp = new TcpAddress("127.0.0.1", 7700) },
                PcapPath = pcap,
            };
            Assert.True(BoardConnectors.TryCreate(tcp, out var recorded, out error), error);
            Assert.IsType<PcapConnector>(recorded);
            Assert.Equal("tcp 127.0.0.1:7700", recorded!.Description); // recording does not change what is connected
            Assert.Equal(UsbmonPcapWriter.FileHeaderSize, new FileInfo(pcap).Length); // created with its header at once

            var bad = tcp with { PcapPath = Path.Combine(dir, "no-such-dir", "x.pcap") };
            Assert.False(BoardConnectors.TryCreate(bad, out _, out error));
            Assert.StartsWith($"pcap {bad.PcapPath}: ", error);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [UsbToolFact(NeedsLibUsb = true)]
    public async Task A_missing_board_is_an_io_error_naming_it()
    {
        // 0xfffe is not an assigned vendor ID: no machine has such a device.
        var connector = new UsbConnector(UsbConfig.Default with { Vid = 0xfffe, Pid = 0x0001 });
        var e = await Assert.ThrowsAsync<IOException>(async () => await connector.ConnectAsync(CancellationToken.None));
        Assert.StartsWith("usb fffe:0001: no such USB device, and no USB device with vendor ID fffe is present", e.Message);
        Assert.Contains("lsusb -d fffe:", e.Message);
    }
}

using System.Diagnostics;
using Emulator.Board.Usb;

namespace Emulator.Tests.Board;

/// <summary>The usbmon pcap writer: byte layout against hand-computed records (the format Wireshark and
/// umockdev read), truncation, and — where tshark is installed — that Wireshark decodes it as USB.</summary>
public class UsbmonPcapWriterTests
{
    // 2023-11-14 22:13:20.123456 UTC: 1_700_000_000 s = 0x6553F100, 123_456 µs = 0x0001E240.
    private static readonly DateTimeOffset s_when = DateTimeOffset.FromUnixTimeSeconds(1_700_000_000).AddTicks(1_234_560);
    private static readonly UsbmonEndpoint s_out = new(1, 2, 0x01);
    private static readonly UsbmonEndpoint s_in = new(1, 2, 0x81);

    private sealed class FixedTime(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }

    private static byte[] Hex(string hex) => Convert.FromHexString(string.Concat(hex.Where(c => !char.IsWhiteSpace(c))));

    private static byte[] Capture(Action<UsbmonPcapWriter> write)
    {
        var stream = new MemoryStream();
        using (var w = new UsbmonPcapWriter(stream, leaveOpen: true, new FixedTime(s_when)))
        {
            write(w);
        }
        return stream.ToArray();
    }

    private const string FileHeader =
        "d4c3b2a1 0200 0400 00000000 00000000 00000400 dc000000"; // magic, 2.4, zone, sigfigs, snaplen 262144, LINKTYPE 220

    [Fact]
    public void The_file_header_is_pcap_2_4_with_linktype_usb_linux_mmapped()
    {
        byte[] file = Capture(_ => { });
        Assert.Equal(Hex(FileHeader), file); // nothing else: a capture with no transfers is a valid empty pcap
    }

    [Fact]
    public void A_bulk_out_is_a_submit_with_the_data_and_a_completion_without()
    {
        byte[] file = Capture(w =>
        {
            w.SubmitBulkOut(5, s_out, [0x01, 0x02, 0x03]);
            w.CompleteBulkOut(5, s_out, 0, 3);
        });
        byte[] expected = Hex(FileHeader +
            // record: ts 1700000000.123456, captured 67 = 64 + 3, original 67
            "00f15365 40e20100 43000000 43000000" +
            // id 5 | 'S' bulk ep 0x01 dev 2 | bus 1 | setup '-' data-present 0
            "0500000000000000 53 03 01 02 0100 2d 00" +
            // ts sec (64-bit) | µs | status -EINPROGRESS | urb_len 3 | data_len 3
            "00f1536500000000 40e20100 8dffffff 03000000 03000000" +
            // setup (unused) | interval | start frame | transfer flags | iso descriptors
            "0000000000000000 00000000 00000000 00000000 00000000" +
            "010203" +
            // record: 64 bytes, no data
            "00f15365 40e20100 40000000 40000000" +
            // id 5 | 'C' | data flag '>' (OUT completion: no data)
            "0500000000000000 43 03 01 02 0100 2d 3e" +
            // status 0 | urb_len = actual 3 | data_len 0
            "00f1536500000000 40e20100 00000000 03000000 00000000" +
            "0000000000000000 00000000 00000000 00000000 00000000");
        Assert.Equal(expected, file);
    }

    [Fact]
    public void A_bulk_in_is_a_submit_for_its_length_and_a_completion_with_the_data()
    {
        byte[] file = Capture(w =>
        {
            w.SubmitBulkIn(7, s_in, 16384);
            w.CompleteBulkIn(7, s_in, 0, [0xAA, 0xBB]);
        });
        byte[] expected = Hex(FileHeader +
            "00f15365 40e20100 40000000 40000000" +
            // 'S' on ep 0x81, data flag '<' (IN submit), urb_len 16384, URB_DIR_IN (0x200)
            "0700000000000000 53 03 81 02 0100 2d 3c" +
            "00f1536500000000 40e20100 8dffffff 00400000 00000000" +
            "0000000000000000 00000000 00000000 00020000 00000000" +
            "00f15365 40e20100 42000000 42000000" +
            // 'C', data present, status 0, urb_len = actual 2, data_len 2
            "0700000000000000 43 03 81 02 0100 2d 00" +
            "00f1536500000000 40e20100 00000000 02000000 02000000" +
            "0000000000000000 00000000 00000000 00020000 00000000" +
            "aabb");
        Assert.Equal(expected, file);
    }

    [Fact]
    public void Error_statuses_are_negative_errnos()
    {
        byte[] file = Capture(w => w.CompleteBulkIn(9, s_in, UsbmonPcapWriter.StatusOf(Emulator.Board.Usb.Native.LibUsbTransferStatus.Stall), default));
        Assert.True(UsbmonHeader.TryRead(file.AsSpan(UsbmonPcapWriter.FileHeaderSize + UsbmonPcapWriter.RecordHeaderSize), out var h));
        Assert.Equal(-32, h.Status); // -EPIPE: what usbmon shows for a stalled endpoint
        Assert.Equal(UsbmonHeader.Complete, h.EventType);
    }

    [Fact]
    public void A_transfer_larger_than_the_snap_length_is_truncated_but_keeps_its_length()
    {
        byte[] data = new byte[UsbmonPcapWriter.SnapLength];
        byte[] file = Capture(w => w.SubmitBulkOut(1, s_out, data));
        var record = file.AsSpan(UsbmonPcapWriter.FileHeaderSize);
        Assert.Equal((uint)UsbmonPcapWriter.SnapLength, BitConverter.ToUInt32(record[8..]));                          // captured
        Assert.Equal((uint)(UsbmonPcapWriter.SnapLength + UsbmonHeader.Size), BitConverter.ToUInt32(record[12..])); // original
        Assert.True(UsbmonHeader.TryRead(record[UsbmonPcapWriter.RecordHeaderSize..], out var h));
        Assert.Equal((uint)data.Length, h.UrbLength);                                  // the transfer's real size
        Assert.Equal((uint)(UsbmonPcapWriter.SnapLength - UsbmonHeader.Size), h.DataLength); // what fits
        Assert.Equal(UsbmonPcapWriter.FileHeaderSize + UsbmonPcapWriter.RecordHeaderSize + UsbmonPcapWriter.SnapLength, file.Length);
    }

    [Fact]
    public void Urb_ids_are_never_zero_and_never_reused()
    {
        using var w = new UsbmonPcapWriter(new MemoryStream());
        var ids = Enumerable.Range(0, 1000).Select(_ => w.NewUrbId()).ToList();
        Assert.DoesNotContain(0UL, ids);          // 0 is umockdev's "not submitted"
        Assert.Equal(ids.Count, ids.Distinct().Count());
    }

    [Fact]
    public void Header_round_trips_through_its_reader()
    {
        var h = new UsbmonHeader
        {
            Id = 0x1122334455667788, EventType = UsbmonHeader.Submit, TransferType = UsbmonHeader.Bulk, Endpoint = 0x82, Device = 9, Bus = 3,
            SetupFlag = (byte)'-', DataFlag = (byte)'<', TimestampSeconds = 12, TimestampMicroseconds = 34, Status = -115,
            UrbLength = 512, DataLength = 0, TransferFlags = UsbmonHeader.UrbDirIn,
        };
        Span<byte> raw = stackalloc byte[UsbmonHeader.Size];
        h.Write(raw);
        Assert.True(UsbmonHeader.TryRead(raw, out var back));
        Assert.Equal(h, back);
        Assert.True(back.IsIn);
        Assert.False(UsbmonHeader.TryRead(raw[..63], out _)); // short: not a header
    }

    [UsbToolFact(Tool = "tshark", Package = "tshark")]
    public void Tshark_decodes_the_capture_as_usb_bulk_transfers()
    {
        string path = Path.Combine(Path.GetTempPath(), $"usbmon-{Environment.ProcessId}-{Guid.NewGuid():N}.pcap");
        try
        {
            File.WriteAllBytes(path, Capture(w =>
            {
                w.SubmitBulkIn(1, s_in, 16384);
                w.SubmitBulkOut(2, s_out, [0x53, 0x56, 0x41, 0x42]);
                w.CompleteBulkOut(2, s_out, 0, 4);
                w.CompleteBulkIn(1, s_in, 0, [0xCA, 0xFE]);
            }));
            var psi = new ProcessStartInfo("tshark", ["-r", path, "-T", "fields", "-E", "separator=|",
                "-e", "usb.urb_type", "-e", "usb.transfer_type", "-e", "usb.endpoint_address", "-e", "usb.bus_id",
                "-e", "usb.device_address", "-e", "usb.urb_len", "-e", "usb.urb_id", "-e", "usb.capdata"])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            using var p = Process.Start(psi)!;
            string stdout = p.StandardOutput.ReadToEnd();
            string stderr = p.StandardError.ReadToEnd();
            Assert.True(p.WaitForExit(60_000), "tshark did not finish");
            Assert.True(p.ExitCode == 0, $"tshark failed: {stderr}");
            string[] lines = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            // Each record decodes as a USB bulk URB with our bus, device, endpoint, length and id; the
            // payloads come back as the data we wrote.
            Assert.Equal(
            [
                "'S'|0x03|0x81|1|2|16384|0x0000000000000001|",
                "'S'|0x03|0x01|1|2|4|0x0000000000000002|53:56:41:42",
                "'C'|0x03|0x01|1|2|4|0x0000000000000002|",
                "'C'|0x03|0x81|1|2|2|0x0000000000000001|ca:fe",
            ], lines.Select(l => l.TrimEnd('\r')).Select(NormaliseCapdata).ToArray());
        }
        finally
        {
            File.Delete(path);
        }
    }

    // tshark prints capdata as "53:56:41:42" or "53564142" depending on its version.
    private static string NormaliseCapdata(string line)
    {
        int bar = line.LastIndexOf('|');
        string data = line[(bar + 1)..].Replace(":", "", StringComparison.Ordinal);
        return line[..(bar + 1)] + string.Join(':', Enumerable.Range(0, data.Length / 2).Select(i => data.Substring(i * 2, 2)));
    }
}

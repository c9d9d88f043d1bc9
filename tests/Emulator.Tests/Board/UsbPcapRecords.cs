using System.Buffers.Binary;
using Emulator.Board.Usb;

namespace Emulator.Tests.Board;

/// <summary>Reads a usbmon pcap back for assertions: each record's header and data.</summary>
internal static class UsbPcapRecords
{
    public static List<(UsbmonHeader Header, byte[] Data)> Read(byte[] file)
    {
        Assert.True(file.Length >= UsbmonPcapWriter.FileHeaderSize, "no pcap file header");
        Assert.Equal(UsbmonPcapWriter.Magic, BinaryPrimitives.ReadUInt32LittleEndian(file));
        Assert.Equal(UsbmonPcapWriter.LinkType, BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(20)));
        var records = new List<(UsbmonHeader, byte[])>();
        int offset = UsbmonPcapWriter.FileHeaderSize;
        while (offset < file.Length)
        {
            int captured = (int)BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(offset + 8));
            var body = file.AsSpan(offset + UsbmonPcapWriter.RecordHeaderSize, captured);
            Assert.True(UsbmonHeader.TryRead(body, out var h));
            records.Add((h, body[UsbmonHeader.Size..].ToArray()));
            offset += UsbmonPcapWriter.RecordHeaderSize + captured;
        }
        return records;
    }

    /// <summary>"S 81 512", "C 01 3 data=0102": one line per record, for whole-sequence assertions.</summary>
    public static string Describe((UsbmonHeader Header, byte[] Data) r) =>
        $"{(char)r.Header.EventType} {r.Header.Endpoint:x2} {r.Header.Status} {r.Header.UrbLength}" + (r.Data.Length == 0 ? "" : $" {r.Data.Length}B");
}

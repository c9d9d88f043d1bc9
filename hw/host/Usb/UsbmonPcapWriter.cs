using System.Buffers.Binary;

namespace Emulator.Board.Usb;

/// <summary>
/// Writes USB bulk transfers to a pcap file in Linux's usbmon format (LINKTYPE_USB_LINUX_MMAPPED, 220),
/// which Wireshark/tshark decode as USB and umockdev replays (<c>umockdev-run --pcap</c>).
/// </summary>
/// <remarks>
/// <para>Each transfer is two records, as usbmon sees an URB: a submit ('S') and a completion ('C') with
/// the same id. A bulk OUT carries its data on the submit; a bulk IN carries none on the submit (data flag
/// '&lt;') and the received bytes on the completion. Statuses are negative errnos (0 = success,
/// -EPIPE = stall, -ENOENT = cancelled or timed out, -ENODEV = unplugged).</para>
/// <para>The file is pcap 2.4, microsecond timestamps, snap length <see cref="SnapLength"/>; a transfer
/// larger than that is truncated in the capture (its urb length stays whole), as usbmon does.</para>
/// <para>Thread-safe: the USB transport records from its event thread and from the sender. Every record
/// is flushed to the stream at once, so a capture survives a crash of the emulator.</para>
/// </remarks>
public sealed class UsbmonPcapWriter : IDisposable
{
    /// <summary>pcap magic, microsecond resolution.</summary>
    public const uint Magic = 0xA1B2C3D4;

    /// <summary>LINKTYPE_USB_LINUX_MMAPPED: usbmon's 64-byte binary header, then the data.</summary>
    public const uint LinkType = 220;

    /// <summary>Largest record written: header and data (libpcap's default maximum for this link type).</summary>
    public const int SnapLength = 262_144;

    /// <summary>Bytes in the pcap file header.</summary>
    public const int FileHeaderSize = 24;

    /// <summary>Bytes in each pcap record header.</summary>
    public const int RecordHeaderSize = 16;

    private const int Enoent = 2, Epipe = 32, Enodev = 19, Eoverflow = 75, Eproto = 71;

    /// <summary>Guards <see cref="_stream"/>, <see cref="_record"/> and <see cref="_disposed"/>.</summary>
    private readonly Lock _lock = new();
    private readonly Stream _stream;
    private readonly bool _leaveOpen;
    private readonly TimeProvider _time;
    private byte[] _record = new byte[RecordHeaderSize + UsbmonHeader.Size + 1024];
    private long _lastId;
    private bool _disposed;

    /// <summary>Writes the pcap file header to <paramref name="stream"/>; records follow.</summary>
    /// <param name="stream">A writable stream, positioned where the file starts.</param>
    /// <param name="leaveOpen">Leave <paramref name="stream"/> open on <see cref="Dispose"/>.</param>
    /// <param name="time">Clock for the timestamps (tests pass a fixed one); default the system clock.</param>
    public UsbmonPcapWriter(Stream stream, bool leaveOpen = false, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        _stream = stream;
        _leaveOpen = leaveOpen;
        _time = time ?? TimeProvider.System;
        Span<byte> header = stackalloc byte[FileHeaderSize];
        BinaryPrimitives.WriteUInt32LittleEndian(header, Magic);
        BinaryPrimitives.WriteUInt16LittleEndian(header[4..], 2);  // version 2.4
        BinaryPrimitives.WriteUInt16LittleEndian(header[6..], 4);
        BinaryPrimitives.WriteInt32LittleEndian(header[8..], 0);   // thiszone: UTC
        BinaryPrimitives.WriteUInt32LittleEndian(header[12..], 0); // sigfigs
        BinaryPrimitives.WriteUInt32LittleEndian(header[16..], SnapLength);
        BinaryPrimitives.WriteUInt32LittleEndian(header[20..], LinkType);
        _stream.Write(header);
        _stream.Flush();
    }

    /// <summary>Creates (or truncates) the file at <paramref name="path"/>.</summary>
    /// <exception cref="IOException">The file cannot be created.</exception>
    /// <exception cref="UnauthorizedAccessException">No permission to create it.</exception>
    public static UsbmonPcapWriter Create(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.Read);
        return new UsbmonPcapWriter(file);
    }

    /// <summary>A new URB id for a submit and its completion: never 0 (umockdev's "no id"), never reused.</summary>
    public ulong NewUrbId() => (ulong)Interlocked.Increment(ref _lastId);

    /// <summary>A bulk OUT submitted with <paramref name="data"/>.</summary>
    public void SubmitBulkOut(ulong id, UsbmonEndpoint endpoint, ReadOnlySpan<byte> data) =>
        Write(Header(id, UsbmonHeader.Submit, endpoint, UsbmonHeader.StatusInProgress, (uint)data.Length), data);

    /// <summary>A bulk OUT completed: <paramref name="actualLength"/> bytes went out. <paramref name="status"/>
    /// is 0 or a negative errno.</summary>
    public void CompleteBulkOut(ulong id, UsbmonEndpoint endpoint, int status, int actualLength) =>
        Write(Header(id, UsbmonHeader.Complete, endpoint, status, (uint)actualLength) with { DataFlag = (byte)'>' }, default);

    /// <summary>A bulk IN submitted for up to <paramref name="length"/> bytes.</summary>
    public void SubmitBulkIn(ulong id, UsbmonEndpoint endpoint, int length) =>
        Write(Header(id, UsbmonHeader.Submit, endpoint, UsbmonHeader.StatusInProgress, (uint)length) with { DataFlag = (byte)'<' }, default);

    /// <summary>A bulk IN completed with <paramref name="data"/> (possibly empty).</summary>
    public void CompleteBulkIn(ulong id, UsbmonEndpoint endpoint, int status, ReadOnlySpan<byte> data) =>
        Write(Header(id, UsbmonHeader.Complete, endpoint, status, (uint)data.Length), data);

    /// <summary>A submit that failed at once ('E'), e.g. -ENODEV on an unplugged device.</summary>
    public void SubmitError(ulong id, UsbmonEndpoint endpoint, int status, int length) =>
        Write(Header(id, UsbmonHeader.SubmitError, endpoint, status, (uint)length), default);

    /// <summary>The usbmon status (a negative errno, as Linux reports the URB) for a libusb transfer status.</summary>
    internal static int StatusOf(Native.LibUsbTransferStatus status) => status switch
    {
        Native.LibUsbTransferStatus.Completed => 0,
        Native.LibUsbTransferStatus.Stall => -Epipe,
        Native.LibUsbTransferStatus.NoDevice => -Enodev,
        Native.LibUsbTransferStatus.Overflow => -Eoverflow,
        // libusb ends a timed-out transfer by cancelling its URB: the kernel reports -ENOENT for both.
        Native.LibUsbTransferStatus.TimedOut or Native.LibUsbTransferStatus.Cancelled => -Enoent,
        _ => -Eproto,
    };

    private UsbmonHeader Header(ulong id, byte eventType, UsbmonEndpoint endpoint, int status, uint urbLength)
    {
        long us = (_time.GetUtcNow().UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) / TimeSpan.TicksPerMicrosecond;
        return new UsbmonHeader
        {
            Id = id,
            EventType = eventType,
            TransferType = UsbmonHeader.Bulk,
            Endpoint = endpoint.Endpoint,
            Device = endpoint.Device,
            Bus = endpoint.Bus,
            SetupFlag = (byte)'-',
            TimestampSeconds = us / 1_000_000,
            TimestampMicroseconds = (int)(us % 1_000_000),
            Status = status,
            UrbLength = urbLength,
            TransferFlags = endpoint.IsIn ? UsbmonHeader.UrbDirIn : 0,
        };
    }

    /// <summary>Writes one record: <paramref name="header"/> (its data length set to what is captured)
    /// and <paramref name="data"/>, truncated to the snap length.</summary>
    public void Write(UsbmonHeader header, ReadOnlySpan<byte> data)
    {
        int captured = Math.Min(data.Length, SnapLength - UsbmonHeader.Size);
        header = header with { DataLength = (uint)captured };
        int recordLength = UsbmonHeader.Size + captured;
        int originalLength = UsbmonHeader.Size + data.Length;
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_record.Length < RecordHeaderSize + recordLength)
            {
                _record = new byte[RecordHeaderSize + recordLength];
            }
            Span<byte> r = _record;
            BinaryPrimitives.WriteUInt32LittleEndian(r, (uint)header.TimestampSeconds);
            BinaryPrimitives.WriteUInt32LittleEndian(r[4..], (uint)header.TimestampMicroseconds);
            BinaryPrimitives.WriteUInt32LittleEndian(r[8..], (uint)recordLength);
            BinaryPrimitives.WriteUInt32LittleEndian(r[12..], (uint)originalLength);
            header.Write(r[RecordHeaderSize..]);
            data[..captured].CopyTo(r[(RecordHeaderSize + UsbmonHeader.Size)..]);
            _stream.Write(r[..(RecordHeaderSize + recordLength)]);
            _stream.Flush();
        }
    }

    /// <summary>Flushes and, unless the stream was to be left open, closes it. Later records throw
    /// <see cref="ObjectDisposedException"/>.</summary>
    public void Dispose()
    {
        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }
            _disposed = true;
            _stream.Flush();
            if (!_leaveOpen)
            {
                _stream.Dispose();
            }
        }
    }
}

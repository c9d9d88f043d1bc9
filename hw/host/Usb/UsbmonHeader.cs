using System.Buffers.Binary;

namespace Emulator.Board.Usb;

/// <summary>
/// The 64-byte header of one usbmon event in the binary ("mmapped") format, as Linux's
/// <c>drivers/usb/mon/mon_bin.c</c> writes it and pcap's LINKTYPE_USB_LINUX_MMAPPED (220) stores it;
/// the event's captured data follows it.
/// </summary>
/// <remarks>
/// <para>Layout (little-endian on the x86/arm64 hosts we run on, as captured there):</para>
/// <code>
/// off size field
///   0    8 id            URB identity: the same in its submit and its completion
///   8    1 event type    'S' submit, 'C' complete, 'E' submission error
///   9    1 transfer type 0 isochronous, 1 interrupt, 2 control, 3 bulk
///  10    1 endpoint      address, bit 7 = IN
///  11    1 device        devnum
///  12    2 bus           busnum
///  14    1 setup flag    0: setup packet present (control submit); '-' otherwise
///  15    1 data flag     0: data present; '&lt;' IN submit (no data yet); '&gt;' OUT completion
///  16    8 ts seconds
///  24    4 ts microseconds
///  28    4 status        0, or -errno; -EINPROGRESS (-115) on a submit
///  32    4 urb length    submit: bytes requested; completion: actual_length
///  36    4 data length   bytes captured after this header
///  40    8 setup / iso   setup packet, or iso error count + descriptor count; 0 for bulk
///  48    4 interval
///  52    4 start frame
///  56    4 transfer flags URB_* (URB_DIR_IN = 0x200)
///  60    4 iso descriptors
/// </code>
/// <para>Wireshark decodes these records as USB (<c>usb.*</c> fields); umockdev's pcap replay
/// (<c>umockdev-pcap.vala</c>) reads id, event type, transfer type, endpoint, device, bus, status, urb
/// length and data length.</para>
/// </remarks>
public readonly record struct UsbmonHeader
{
    /// <summary>Bytes in a header.</summary>
    public const int Size = 64;

    /// <summary>'S': the URB was submitted.</summary>
    public const byte Submit = (byte)'S';

    /// <summary>'C': the URB completed (successfully or with a status).</summary>
    public const byte Complete = (byte)'C';

    /// <summary>'E': the submission itself failed.</summary>
    public const byte SubmitError = (byte)'E';

    /// <summary>Transfer type of bulk endpoints.</summary>
    public const byte Bulk = 3;

    /// <summary>-EINPROGRESS: the status of every submit event.</summary>
    public const int StatusInProgress = -115;

    /// <summary>URB_DIR_IN, in <see cref="TransferFlags"/> of IN transfers.</summary>
    public const uint UrbDirIn = 0x200;

    public ulong Id { get; init; }
    public byte EventType { get; init; }
    public byte TransferType { get; init; }
    public byte Endpoint { get; init; }
    public byte Device { get; init; }
    public ushort Bus { get; init; }
    public byte SetupFlag { get; init; }
    public byte DataFlag { get; init; }
    public long TimestampSeconds { get; init; }
    public int TimestampMicroseconds { get; init; }
    public int Status { get; init; }
    public uint UrbLength { get; init; }
    public uint DataLength { get; init; }
    public int Interval { get; init; }
    public int StartFrame { get; init; }
    public uint TransferFlags { get; init; }
    public uint IsoDescriptors { get; init; }

    /// <summary>Is the endpoint an IN endpoint (bit 7)?</summary>
    public bool IsIn => (Endpoint & 0x80) != 0;

    /// <summary>Writes the 64 bytes.</summary>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is shorter than <see cref="Size"/>.</exception>
    public void Write(Span<byte> destination)
    {
        if (destination.Length < Size)
        {
            throw new ArgumentException($"a usbmon header needs {Size} bytes", nameof(destination));
        }
        BinaryPrimitives.WriteUInt64LittleEndian(destination, Id);
        destination[8] = EventType;
        destination[9] = TransferType;
        destination[10] = Endpoint;
        destination[11] = Device;
        BinaryPrimitives.WriteUInt16LittleEndian(destination[12..], Bus);
        destination[14] = SetupFlag;
        destination[15] = DataFlag;
        BinaryPrimitives.WriteInt64LittleEndian(destination[16..], TimestampSeconds);
        BinaryPrimitives.WriteInt32LittleEndian(destination[24..], TimestampMicroseconds);
        BinaryPrimitives.WriteInt32LittleEndian(destination[28..], Status);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[32..], UrbLength);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[36..], DataLength);
        destination.Slice(40, 8).Clear();
        BinaryPrimitives.WriteInt32LittleEndian(destination[48..], Interval);
        BinaryPrimitives.WriteInt32LittleEndian(destination[52..], StartFrame);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[56..], TransferFlags);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[60..], IsoDescriptors);
    }

    /// <summary>Reads a header (the setup bytes are not kept: bulk only).</summary>
    /// <returns>False when <paramref name="source"/> is shorter than <see cref="Size"/>.</returns>
    public static bool TryRead(ReadOnlySpan<byte> source, out UsbmonHeader header)
    {
        if (source.Length < Size)
        {
            header = default;
            return false;
        }
        header = new UsbmonHeader
        {
            Id = BinaryPrimitives.ReadUInt64LittleEndian(source),
            EventType = source[8],
            TransferType = source[9],
            Endpoint = source[10],
            Device = source[11],
            Bus = BinaryPrimitives.ReadUInt16LittleEndian(source[12..]),
            SetupFlag = source[14],
            DataFlag = source[15],
            TimestampSeconds = BinaryPrimitives.ReadInt64LittleEndian(source[16..]),
            TimestampMicroseconds = BinaryPrimitives.ReadInt32LittleEndian(source[24..]),
            Status = BinaryPrimitives.ReadInt32LittleEndian(source[28..]),
            UrbLength = BinaryPrimitives.ReadUInt32LittleEndian(source[32..]),
            DataLength = BinaryPrimitives.ReadUInt32LittleEndian(source[36..]),
            Interval = BinaryPrimitives.ReadInt32LittleEndian(source[48..]),
            StartFrame = BinaryPrimitives.ReadInt32LittleEndian(source[52..]),
            TransferFlags = BinaryPrimitives.ReadUInt32LittleEndian(source[56..]),
            IsoDescriptors = BinaryPrimitives.ReadUInt32LittleEndian(source[60..]),
        };
        return true;
    }
}

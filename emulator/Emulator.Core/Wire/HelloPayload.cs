using System.Buffers.Binary;
using System.Text;
using System.Text.Unicode;

namespace Emulator.Core.Wire;

/// <summary>HELLO: the emulator opens a session, announcing its protocol version and a name for the board's log.</summary>
/// <remarks>
/// <code>
/// off size field
///   0  1   major
///   1  1   minor
///   2  2   nameLength   ≤ 255
///   4  n   name         UTF-8, no terminator
/// </code>
/// </remarks>
public readonly struct HelloPayload : IWirePayload
{
    public const int HeaderSize = 4;
    public const int MaxNameBytes = 255;

    /// <exception cref="ArgumentException">The name is longer than <see cref="MaxNameBytes"/> bytes of UTF-8.</exception>
    public HelloPayload(ProtocolVersion version, string hostName)
    {
        if (Encoding.UTF8.GetByteCount(hostName) > MaxNameBytes)
            throw new ArgumentException($"host name longer than {MaxNameBytes} bytes of UTF-8", nameof(hostName));
        Version = version;
        _hostName = hostName;
    }

    public ProtocolVersion Version { get; }
    private readonly string? _hostName;

    public string HostName => _hostName ?? "";

    public MessageType Type => MessageType.Hello;
    public int Size => HeaderSize + Encoding.UTF8.GetByteCount(HostName);

    public static bool TryRead(ReadOnlySpan<byte> payload, out HelloPayload value)
    {
        value = default;
        if (payload.Length < HeaderSize)
            return false;
        int length = BinaryPrimitives.ReadUInt16LittleEndian(payload[2..]);
        if (length > MaxNameBytes || payload.Length < HeaderSize + length)
            return false;
        ReadOnlySpan<byte> name = payload.Slice(HeaderSize, length);
        if (!Utf8.IsValid(name))
            return false;
        value = new HelloPayload(new ProtocolVersion(payload[0], payload[1]), Encoding.UTF8.GetString(name));
        return true;
    }

    public void Write(Span<byte> destination)
    {
        destination[0] = Version.Major;
        destination[1] = Version.Minor;
        int length = Encoding.UTF8.GetBytes(HostName, destination[HeaderSize..]);
        BinaryPrimitives.WriteUInt16LittleEndian(destination[2..], (ushort)length);
    }
}

using System.Buffers.Binary;
using System.Text;
using System.Text.Unicode;

namespace Emulator.Core.Wire;

/// <summary>ERROR: a fatal condition with a human-readable message; the receiver logs it as a guest
/// (board) error and resets the session.</summary>
/// <remarks>
/// <code>
/// off size field
///   0  2   code           WireErrorCode
///   2  2   messageLength  ≤ 1024
///   4  n   message        UTF-8
/// </code>
/// </remarks>
public readonly struct ErrorPayload : IWirePayload
{
    public const int HeaderSize = 4;
    public const int MaxMessageBytes = 1024;

    /// <exception cref="ArgumentException">The message is longer than <see cref="MaxMessageBytes"/> bytes of UTF-8.</exception>
    public ErrorPayload(WireErrorCode code, string message)
    {
        if (Encoding.UTF8.GetByteCount(message) > MaxMessageBytes)
            throw new ArgumentException($"message longer than {MaxMessageBytes} bytes of UTF-8", nameof(message));
        Code = code;
        _message = message;
    }

    public WireErrorCode Code { get; }
    private readonly string? _message;

    public string Message => _message ?? "";

    public MessageType Type => MessageType.Error;
    public int Size => HeaderSize + Encoding.UTF8.GetByteCount(Message);

    public static bool TryRead(ReadOnlySpan<byte> payload, out ErrorPayload value)
    {
        value = default;
        if (payload.Length < HeaderSize)
            return false;
        int length = BinaryPrimitives.ReadUInt16LittleEndian(payload[2..]);
        if (length > MaxMessageBytes || payload.Length < HeaderSize + length)
            return false;
        ReadOnlySpan<byte> message = payload.Slice(HeaderSize, length);
        if (!Utf8.IsValid(message))
            return false;
        value = new ErrorPayload((WireErrorCode)BinaryPrimitives.ReadUInt16LittleEndian(payload), Encoding.UTF8.GetString(message));
        return true;
    }

    public void Write(Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt16LittleEndian(destination, (ushort)Code);
        int length = Encoding.UTF8.GetBytes(Message, destination[HeaderSize..]);
        BinaryPrimitives.WriteUInt16LittleEndian(destination[2..], (ushort)length);
    }
}

namespace Emulator.Core.Wire;

/// <summary>A payload struct that can write itself into a frame (see <see cref="FrameCodec.WriteFrame{TPayload}(Span{byte}, uint, in TPayload)"/>).</summary>
/// <remarks>Implementers are structs and the codec is generic over them, so writing does not box.
/// Each also has a static <c>TryRead(ReadOnlySpan&lt;byte&gt;, out T)</c> that returns false for a
/// malformed payload: too short, a reserved bit set, or a field out of range. Bytes after the
/// fields are ignored, so a later minor version may append fields.</remarks>
public interface IWirePayload
{
    MessageType Type { get; }

    /// <summary>Bytes <see cref="Write"/> produces.</summary>
    int Size { get; }

    /// <summary>Writes the payload little-endian into the first <see cref="Size"/> bytes of <paramref name="destination"/>.</summary>
    void Write(Span<byte> destination);
}

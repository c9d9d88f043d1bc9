namespace Emulator.Core.Wire;

/// <summary>What was wrong with the bytes at the head of the receive buffer.</summary>
public enum FrameErrorKind : byte
{
    /// <summary>No error: either a frame was parsed or more bytes are needed.</summary>
    None = 0,

    /// <summary>The buffer did not start with the magic; bytes were skipped up to the next candidate magic.</summary>
    BadMagic = 1,

    /// <summary>The frame was delimited but its CRC did not match; the frame was consumed.</summary>
    BadCrc = 2,

    /// <summary>The length field exceeds <see cref="FrameCodec.MaxPayload"/>; bytes were skipped up to the next candidate magic.</summary>
    BadLength = 3,
}

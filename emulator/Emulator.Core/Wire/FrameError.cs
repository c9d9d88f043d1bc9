namespace Emulator.Core.Wire;

/// <summary>A framing error as a value: what went wrong, how many bytes the parser consumed to get
/// past it, and (for header-bearing errors) the sequence number and type the damaged frame claimed,
/// so that the receiver can NAK it.</summary>
/// <remarks>The claimed sequence number of a BadCrc frame comes from bytes the CRC just failed on; it
/// is a hint for the NAK, and the sender treats a NAK of a sequence it does not have outstanding as
/// "resend everything unacknowledged" (docs/wire-protocol.md §NAK and resend).</remarks>
public readonly record struct FrameError(FrameErrorKind Kind, long SkippedBytes, uint Sequence, MessageType Type, uint ClaimedLength)
{
    public static FrameError None => default;

    public bool IsError => Kind != FrameErrorKind.None;

    /// <summary>The NAK reason for this error, for errors the receiver answers with a NAK.</summary>
    public NakReason NakReason => Kind switch
    {
        FrameErrorKind.BadCrc => NakReason.BadCrc,
        FrameErrorKind.BadLength => NakReason.BadLength,
        _ => NakReason.None,
    };
}

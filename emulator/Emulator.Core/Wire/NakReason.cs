namespace Emulator.Core.Wire;

/// <summary>Why a frame was NAKed. 0 is not a valid reason on the wire.</summary>
public enum NakReason : byte
{
    None = 0,
    BadCrc = 1,
    BadLength = 2,
    UnknownType = 3,
    UnsupportedVersion = 4,
    Busy = 5,
    BadPayload = 6,
}

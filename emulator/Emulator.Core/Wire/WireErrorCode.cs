namespace Emulator.Core.Wire;

/// <summary>The code of an ERROR frame: a condition that a resend will not fix. Unknown values are kept
/// as they are (a newer peer may send more).</summary>
public enum WireErrorCode : ushort
{
    Unspecified = 0,
    VersionRefused = 1,
    BadPayload = 2,
    Overrun = 3,
    Internal = 4,
}

namespace Emulator.Core.Wire;

/// <summary>The type byte of a board wire frame (docs/wire-protocol.md §Messages).</summary>
/// <remarks>Values are part of the protocol and never renumbered; a new message gets a new value.
/// Requests from the emulator have the high bit clear; the board's replies are grouped at 0x80+.</remarks>
public enum MessageType : byte
{
    Hello = 0x01,
    AtcInv = 0x02,
    Sync = 0x03,
    AtcDump = 0x04,
    Reset = 0x05,
    Heartbeat = 0x06,

    /// <summary>The host mirrors an ATS Translation Completion its endpoint cached; no reply.</summary>
    AtcFill = 0x07,

    Caps = 0x81,
    InvComplete = 0x82,
    SyncAck = 0x83,
    AtcDumpReply = 0x84,
    ResetAck = 0x85,

    Nak = 0xF0,
    Error = 0xF1,
}

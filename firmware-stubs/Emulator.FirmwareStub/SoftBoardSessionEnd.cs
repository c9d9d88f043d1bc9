namespace Emulator.FirmwareStub;

/// <summary>Why <see cref="SoftBoardSession.RunAsync"/> returned.</summary>
public enum SoftBoardSessionEnd : byte
{
    /// <summary>The host closed the connection between frames.</summary>
    PeerClosed,

    /// <summary>The host closed the connection inside a frame (logged as a guest error).</summary>
    PeerClosedInsideFrame,

    /// <summary>The host's HELLO named another major version: ERROR(version refused) was sent, then the
    /// connection closed.</summary>
    VersionRefused,

    /// <summary><see cref="SoftBoardFaults.DisconnectAfterFrames"/> closed the connection.</summary>
    FaultDisconnect,

    /// <summary>The cancellation token fired (the server is stopping).</summary>
    Cancelled,

    /// <summary>The transport failed (connection reset, broken pipe).</summary>
    TransportError,
}

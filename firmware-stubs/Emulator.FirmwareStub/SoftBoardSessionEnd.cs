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

    /// <summary>No HELLO within <see cref="SoftBoardOptions.HandshakeTimeout"/> of the connection opening
    /// (ERROR sent, then closed).</summary>
    HandshakeTimeout,

    /// <summary>No frame for <see cref="SoftBoardOptions.IdleTimeout"/> (ERROR sent, then closed).</summary>
    IdleTimeout,

    /// <summary>The host did not take the board's replies for <see cref="SoftBoardOptions.WriteTimeout"/>.</summary>
    WriteTimeout,
}

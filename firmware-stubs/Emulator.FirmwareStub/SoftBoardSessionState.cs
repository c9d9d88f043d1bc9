namespace Emulator.FirmwareStub;

/// <summary>Where a <see cref="SoftBoardSession"/> is in its handshake.</summary>
public enum SoftBoardSessionState : byte
{
    /// <summary>Before a HELLO was accepted (and again after the host sent ERROR): only HELLO,
    /// HEARTBEAT, NAK and ERROR are served; any other request is answered with ERROR.</summary>
    AwaitingHello,

    /// <summary>CAPS sent: every request is served.</summary>
    Open,

    /// <summary><see cref="SoftBoardSession.RunAsync"/> has returned; the pipes are completed.</summary>
    Closed,
}

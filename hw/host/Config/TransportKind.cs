namespace Emulator.Board.Config;

/// <summary>How the board backend reaches the board (<c>transport:</c> in hw-config.yaml).</summary>
public enum TransportKind : byte
{
    /// <summary>USB bulk endpoints of the FPGA board (<see cref="UsbConfig"/>).</summary>
    Usb = 0,

    /// <summary>A TCP connection, normally to the firmware stub (<see cref="SocketConfig.Tcp"/>).</summary>
    Tcp = 1,

    /// <summary>A Unix-domain stream socket (<see cref="SocketConfig.UnixPath"/>).</summary>
    Unix = 2,
}

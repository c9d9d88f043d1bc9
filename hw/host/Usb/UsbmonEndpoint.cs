namespace Emulator.Board.Usb;

/// <summary>Where a usbmon event happened: bus number, device address and endpoint address
/// (bit 7 = IN), as <c>lsusb</c> shows the first two ("Bus 001 Device 002").</summary>
/// <param name="Bus">busnum, 1..</param>
/// <param name="Device">devnum, 1..127</param>
/// <param name="Endpoint">bEndpointAddress</param>
public readonly record struct UsbmonEndpoint(ushort Bus, byte Device, byte Endpoint)
{
    /// <summary>Is it an IN endpoint (bit 7)?</summary>
    public bool IsIn => (Endpoint & 0x80) != 0;
}

namespace Emulator.Board.Usb.Native;

/// <summary>libusb's <c>enum libusb_transfer_status</c>: how an asynchronous transfer ended.</summary>
internal enum LibUsbTransferStatus : int
{
    Completed = 0,
    Error = 1,
    TimedOut = 2,
    Cancelled = 3,
    /// <summary>The endpoint halted (a STALL handshake); clear it with <c>libusb_clear_halt</c>.</summary>
    Stall = 4,
    /// <summary>The device is gone (unplugged).</summary>
    NoDevice = 5,
    /// <summary>The device sent more than was asked for.</summary>
    Overflow = 6,
}

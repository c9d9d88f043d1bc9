namespace Emulator.Board.Usb.Native;

/// <summary>libusb's <c>enum libusb_error</c>: the negative return codes of its functions.</summary>
internal enum LibUsbError : int
{
    Success = 0,
    Io = -1,
    InvalidParam = -2,
    Access = -3,
    NoDevice = -4,
    NotFound = -5,
    Busy = -6,
    Timeout = -7,
    Overflow = -8,
    Pipe = -9,
    Interrupted = -10,
    NoMem = -11,
    NotSupported = -12,
    Other = -99,
}

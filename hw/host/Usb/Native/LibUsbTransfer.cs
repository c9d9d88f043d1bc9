using System.Runtime.InteropServices;

namespace Emulator.Board.Usb.Native;

/// <summary><c>struct libusb_transfer</c> (libusb.h), without the trailing isochronous packet array,
/// which bulk transfers allocate with zero entries. Allocated by <c>libusb_alloc_transfer</c>; never
/// by us, never moved.</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct LibUsbTransfer
{
    public nint DeviceHandle;
    public byte Flags;
    public byte Endpoint;
    public byte Type;
    public uint Timeout;
    public LibUsbTransferStatus Status;
    public int Length;
    public int ActualLength;
    public delegate* unmanaged<LibUsbTransfer*, void> Callback;
    public nint UserData;
    public byte* Buffer;
    public int NumIsoPackets;
}

using System.Runtime.InteropServices;

namespace Emulator.Board.Usb.Native;

/// <summary><c>struct libusb_device_descriptor</c>: the USB 2.0 §9.6.1 device descriptor, host byte order.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct LibUsbDeviceDescriptor
{
    public byte Length;
    public byte DescriptorType;
    public ushort BcdUsb;
    public byte DeviceClass;
    public byte DeviceSubClass;
    public byte DeviceProtocol;
    public byte MaxPacketSize0;
    public ushort IdVendor;
    public ushort IdProduct;
    public ushort BcdDevice;
    public byte Manufacturer;
    public byte Product;
    public byte SerialNumber;
    public byte NumConfigurations;
}

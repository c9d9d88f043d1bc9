using System.Reflection;
using System.Runtime.InteropServices;

namespace Emulator.Board.Usb.Native;

/// <summary>
/// A thin binding of the part of libusb-1.0 the USB transport uses: context, enumeration, open/claim,
/// asynchronous bulk transfers and event handling. Nothing here knows about boards or frames, so a
/// full binding (LibUsbDotNet) could replace this file without touching <see cref="UsbTransport"/>'s
/// logic.
/// </summary>
/// <remarks>
/// <para>The library is <c>libusb-1.0.so.0</c> (Debian's <c>libusb-1.0-0</c>), or <c>libusb-1.0</c>
/// wherever the platform's loader finds it. <see cref="EnsureLoaded"/> turns its absence into an
/// <see cref="IOException"/> with the package to install, instead of a <see cref="DllNotFoundException"/>
/// at the first call.</para>
/// <para><c>libusb_fill_bulk_transfer</c> is an inline function in libusb.h, so it is
/// <see cref="FillBulkTransfer"/> here.</para>
/// </remarks>
internal static unsafe partial class LibUsb
{
    private const string Library = "libusb-1.0";
    private static readonly string[] s_candidates = ["libusb-1.0.so.0", "libusb-1.0.so", "libusb-1.0"];
    private static readonly Lazy<string?> s_loadError = new(Load);

    /// <summary><c>LIBUSB_TRANSFER_TYPE_BULK</c>.</summary>
    public const byte TransferTypeBulk = 2;

    /// <summary>Loads libusb once.</summary>
    /// <exception cref="IOException">libusb-1.0 is not installed; the message says which package to install.</exception>
    public static void EnsureLoaded()
    {
        if (s_loadError.Value is { } error)
        {
            throw new IOException(error);
        }
    }

    private static string? Load()
    {
        NativeLibrary.SetDllImportResolver(typeof(LibUsb).Assembly, Resolve);
        foreach (string name in s_candidates)
        {
            if (NativeLibrary.TryLoad(name, typeof(LibUsb).Assembly, null, out _))
            {
                return null;
            }
        }
        return "libusb-1.0 not found: apt install libusb-1.0-0";
    }

    private static nint Resolve(string libraryName, Assembly assembly, DllImportSearchPath? searchPath)
    {
        if (libraryName != Library)
        {
            return 0;
        }
        foreach (string name in s_candidates)
        {
            if (NativeLibrary.TryLoad(name, assembly, searchPath, out nint handle))
            {
                return handle;
            }
        }
        return 0;
    }

    /// <summary>libusb's name for an error code ("LIBUSB_ERROR_NO_DEVICE"), or the number when unknown.</summary>
    public static string ErrorName(int code)
    {
        nint name = libusb_error_name(code);
        return name == 0 ? code.ToString(System.Globalization.CultureInfo.InvariantCulture) : Marshal.PtrToStringUTF8(name) ?? code.ToString(System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>Sets up a bulk transfer, as the inline <c>libusb_fill_bulk_transfer</c> does.</summary>
    public static void FillBulkTransfer(LibUsbTransfer* transfer, nint handle, byte endpoint, byte* buffer, int length,
        delegate* unmanaged<LibUsbTransfer*, void> callback, nint userData, uint timeoutMs)
    {
        transfer->DeviceHandle = handle;
        transfer->Endpoint = endpoint;
        transfer->Type = TransferTypeBulk;
        transfer->Timeout = timeoutMs;
        transfer->Buffer = buffer;
        transfer->Length = length;
        transfer->UserData = userData;
        transfer->Callback = callback;
    }

    [LibraryImport(Library, EntryPoint = "libusb_init")]
    public static partial int Init(out nint context);

    [LibraryImport(Library, EntryPoint = "libusb_exit")]
    public static partial void Exit(nint context);

    [LibraryImport(Library, EntryPoint = "libusb_get_device_list")]
    public static partial nint GetDeviceList(nint context, out nint* list);

    [LibraryImport(Library, EntryPoint = "libusb_free_device_list")]
    public static partial void FreeDeviceList(nint* list, int unrefDevices);

    [LibraryImport(Library, EntryPoint = "libusb_get_device_descriptor")]
    public static partial int GetDeviceDescriptor(nint device, out LibUsbDeviceDescriptor descriptor);

    [LibraryImport(Library, EntryPoint = "libusb_get_bus_number")]
    public static partial byte GetBusNumber(nint device);

    [LibraryImport(Library, EntryPoint = "libusb_get_device_address")]
    public static partial byte GetDeviceAddress(nint device);

    [LibraryImport(Library, EntryPoint = "libusb_open")]
    public static partial int Open(nint device, out nint handle);

    [LibraryImport(Library, EntryPoint = "libusb_close")]
    public static partial void Close(nint handle);

    [LibraryImport(Library, EntryPoint = "libusb_get_string_descriptor_ascii")]
    public static partial int GetStringDescriptorAscii(nint handle, byte index, byte* data, int length);

    [LibraryImport(Library, EntryPoint = "libusb_set_auto_detach_kernel_driver")]
    public static partial int SetAutoDetachKernelDriver(nint handle, int enable);

    [LibraryImport(Library, EntryPoint = "libusb_claim_interface")]
    public static partial int ClaimInterface(nint handle, int interfaceNumber);

    [LibraryImport(Library, EntryPoint = "libusb_release_interface")]
    public static partial int ReleaseInterface(nint handle, int interfaceNumber);

    [LibraryImport(Library, EntryPoint = "libusb_clear_halt")]
    public static partial int ClearHalt(nint handle, byte endpoint);

    [LibraryImport(Library, EntryPoint = "libusb_alloc_transfer")]
    public static partial LibUsbTransfer* AllocTransfer(int isoPackets);

    [LibraryImport(Library, EntryPoint = "libusb_submit_transfer")]
    public static partial int SubmitTransfer(LibUsbTransfer* transfer);

    [LibraryImport(Library, EntryPoint = "libusb_cancel_transfer")]
    public static partial int CancelTransfer(LibUsbTransfer* transfer);

    [LibraryImport(Library, EntryPoint = "libusb_free_transfer")]
    public static partial void FreeTransfer(LibUsbTransfer* transfer);

    [LibraryImport(Library, EntryPoint = "libusb_handle_events_timeout_completed")]
    public static partial int HandleEventsTimeoutCompleted(nint context, ref TimeVal timeout, int* completed);

    [LibraryImport(Library, EntryPoint = "libusb_error_name")]
    private static partial nint libusb_error_name(int code);

    /// <summary><c>struct timeval</c> on 64-bit Linux.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct TimeVal
    {
        public long Seconds;
        public long Microseconds;
    }
}

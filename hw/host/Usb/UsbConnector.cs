using System.Globalization;
using System.Text;
using Emulator.Board.Config;
using Emulator.Board.Transport;
using Emulator.Board.Usb.Native;

namespace Emulator.Board.Usb;

/// <summary>Finds the board on USB (the <c>usb:</c> section of hw-config.yaml), opens it, claims its bulk
/// interface and returns a <see cref="UsbTransport"/>.</summary>
/// <remarks>
/// <para>Matching: the first device with <see cref="UsbConfig.Vid"/>:<see cref="UsbConfig.Pid"/>, or with
/// <see cref="UsbConfig.Serial"/> set, the one whose iSerialNumber string equals it (reading a string
/// descriptor is a control transfer, so it is done only when a serial is asked for).</para>
/// <para>Claiming: <c>libusb_claim_interface</c> first; only when a kernel driver holds the interface
/// (LIBUSB_ERROR_BUSY) is automatic detaching turned on and the claim repeated — so a device with no
/// kernel driver (ours, and umockdev's mock) sees no detach requests.</para>
/// <para>Each connection has its own libusb context, owned and closed by its transport.</para>
/// </remarks>
public sealed class UsbConnector : IBoardConnector
{
    private readonly UsbConfig _config;
    private readonly UsbmonPcapWriter? _capture;

    /// <param name="config">The <c>usb:</c> section.</param>
    /// <param name="capture">Records every transfer of every connection (not owned: the caller disposes it), or null.</param>
    public UsbConnector(UsbConfig config, UsbmonPcapWriter? capture = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        _config = config;
        _capture = capture;
        Description = string.Create(CultureInfo.InvariantCulture, $"usb {config.Vid:x4}:{config.Pid:x4}")
            + (config.Serial is null ? "" : " serial " + config.Serial);
    }

    /// <summary>"usb 1d50:6199", or "usb 1d50:6199 serial FPGA-07".</summary>
    public string Description { get; }

    /// <summary>Finds, opens and claims the board.</summary>
    /// <exception cref="IOException">libusb-1.0 is not installed; no matching device (the message lists the
    /// devices with the same vendor ID); no permission to open it; the interface cannot be claimed.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> fired.</exception>
    public async ValueTask<IBoardTransport> ConnectAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        // Opening does blocking libusb calls (and a control transfer for the serial): off the caller's thread.
        return await Task.Run(Open, cancellationToken).ConfigureAwait(false);
    }

    private unsafe UsbTransport Open()
    {
        LibUsb.EnsureLoaded();
        int rc = LibUsb.Init(out nint context);
        if (rc < 0)
        {
            throw new IOException($"{Description}: libusb_init failed: {LibUsb.ErrorName(rc)}");
        }
        nint handle = 0;
        bool claimed = false;
        try
        {
            byte bus, address;
            nint count = LibUsb.GetDeviceList(context, out nint* list);
            if (count < 0)
            {
                throw new IOException($"{Description}: listing USB devices failed: {LibUsb.ErrorName((int)count)}");
            }
            try
            {
                nint device = FindDevice(list, (int)count, ref handle);
                if (handle == 0)
                {
                    rc = LibUsb.Open(device, out handle);
                    if (rc < 0)
                    {
                        throw new IOException(OpenFailed(device, rc));
                    }
                }
                bus = LibUsb.GetBusNumber(device);
                address = LibUsb.GetDeviceAddress(device);
            }
            finally
            {
                LibUsb.FreeDeviceList(list, 1); // the open handle keeps its own reference
            }
            rc = LibUsb.ClaimInterface(handle, _config.Interface);
            if (rc == (int)LibUsbError.Busy)
            {
                LibUsb.SetAutoDetachKernelDriver(handle, 1);
                rc = LibUsb.ClaimInterface(handle, _config.Interface);
            }
            if (rc < 0)
            {
                throw new IOException($"{Description}: cannot claim interface {_config.Interface} on bus {bus:d3} device {address:d3}: {LibUsb.ErrorName(rc)}"
                    + (rc == (int)LibUsbError.Busy ? " (another program has it)" : rc == (int)LibUsbError.NotFound ? " (the device has no such interface)" : ""));
            }
            claimed = true;
            string where = string.Create(CultureInfo.InvariantCulture, $"{Description} (bus {bus} device {address})");
            return new UsbTransport(context, handle, _config, bus, address, where, _capture);
        }
        catch
        {
            if (claimed)
            {
                LibUsb.ReleaseInterface(handle, _config.Interface);
            }
            if (handle != 0)
            {
                LibUsb.Close(handle);
            }
            LibUsb.Exit(context);
            throw;
        }
    }

    /// <summary>The matching device; with a serial to match, also its open handle.</summary>
    /// <exception cref="IOException">None matches.</exception>
    private unsafe nint FindDevice(nint* list, int count, ref nint handle)
    {
        var sameVendor = new List<string>();
        for (int i = 0; i < count; i++)
        {
            nint device = list[i];
            if (LibUsb.GetDeviceDescriptor(device, out var d) < 0 || d.IdVendor != _config.Vid)
            {
                continue;
            }
            string where = string.Create(CultureInfo.InvariantCulture,
                $"{d.IdVendor:x4}:{d.IdProduct:x4} on bus {LibUsb.GetBusNumber(device):d3} device {LibUsb.GetDeviceAddress(device):d3}");
            if (d.IdProduct != _config.Pid)
            {
                sameVendor.Add(where);
                continue;
            }
            if (_config.Serial is null)
            {
                return device;
            }
            int rc = LibUsb.Open(device, out nint h);
            if (rc < 0)
            {
                sameVendor.Add($"{where} (cannot open to read its serial: {LibUsb.ErrorName(rc)})");
                continue;
            }
            string? serial = ReadString(h, d.SerialNumber);
            if (serial == _config.Serial)
            {
                handle = h;
                return device;
            }
            LibUsb.Close(h);
            sameVendor.Add($"{where} serial {serial ?? "(none)"}");
        }
        string vendor = string.Create(CultureInfo.InvariantCulture, $"{_config.Vid:x4}");
        throw new IOException(sameVendor.Count == 0
            ? $"{Description}: no such USB device, and no USB device with vendor ID {vendor} is present (is the board plugged in and powered? lsusb -d {vendor}:)"
            : $"{Description}: no such USB device; with vendor ID {vendor} there are: {string.Join("; ", sameVendor)}");
    }

    private static unsafe string? ReadString(nint handle, byte index)
    {
        if (index == 0)
        {
            return null;
        }
        byte* buffer = stackalloc byte[256];
        int n = LibUsb.GetStringDescriptorAscii(handle, index, buffer, 256);
        return n < 0 ? null : Encoding.ASCII.GetString(buffer, n);
    }

    private string OpenFailed(nint device, int rc)
    {
        byte bus = LibUsb.GetBusNumber(device), address = LibUsb.GetDeviceAddress(device);
        string node = string.Create(CultureInfo.InvariantCulture, $"/dev/bus/usb/{bus:d3}/{address:d3}");
        return rc == (int)LibUsbError.Access
            ? $"{Description}: no permission to open {node}; add a udev rule such as " +
              string.Create(CultureInfo.InvariantCulture, $"SUBSYSTEM==\"usb\", ATTR{{idVendor}}==\"{_config.Vid:x4}\", ATTR{{idProduct}}==\"{_config.Pid:x4}\", MODE=\"0660\", GROUP=\"plugdev\"")
            : $"{Description}: cannot open {node}: {LibUsb.ErrorName(rc)}";
    }

    public override string ToString() => Description;
}

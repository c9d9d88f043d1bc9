namespace Emulator.Board.Config;

/// <summary>The hardware configuration (hw-config.yaml): which backend runs the device side of the
/// IOMMU path and, for the board, how to reach it. Immutable; <see cref="Default"/> is what an empty
/// file means.</summary>
/// <remarks>
/// Read it with <see cref="HwConfigLoader"/>, which checks every range documented on the members
/// and in docs/hw-config.md. Sections the chosen backend does not use are still checked, so a typo
/// is caught before the day it matters.
/// </remarks>
public sealed record HwConfig
{
    /// <summary>Sim backend, every section at its defaults.</summary>
    public static HwConfig Default { get; } = new();

    /// <summary><c>backend: sim | board</c>. Default sim.</summary>
    public BackendKind Backend { get; init; } = BackendKind.Sim;

    /// <summary><c>transport: usb | tcp | unix</c>; used by the board backend only. Default usb.</summary>
    public TransportKind Transport { get; init; } = TransportKind.Usb;

    /// <summary>The <c>usb:</c> section.</summary>
    public UsbConfig Usb { get; init; } = UsbConfig.Default;

    /// <summary>The <c>socket:</c> section.</summary>
    public SocketConfig Socket { get; init; } = SocketConfig.Default;

    /// <summary>The <c>batch:</c> section.</summary>
    public BatchConfig Batch { get; init; } = BatchConfig.Default;

    /// <summary>The <c>timeouts:</c> section.</summary>
    public TimeoutConfig Timeouts { get; init; } = TimeoutConfig.Default;

    /// <summary><c>lockstep: true</c>: the sim model runs beside the board and, after every SYNC, each
    /// device's ATC read back from the board (ATC_DUMP) must equal the model's. Slow; for verifying
    /// the board. Default false.</summary>
    public bool Lockstep { get; init; }

    /// <summary><c>pcap: PATH</c>: a usbmon pcap (LINKTYPE_USB_LINUX_MMAPPED) of every USB bulk transfer;
    /// a socket transport is recorded as the USB transport would make its transfers. Relative paths are
    /// relative to the working directory. Default null: no capture.</summary>
    public string? PcapPath { get; init; }
}

namespace Emulator.Board.Config;

/// <summary>The <c>usb:</c> section: which USB device is the board and how bulk transfers are issued.</summary>
/// <remarks>
/// The loader guarantees the documented ranges; a value built in code with <c>with</c> is not checked.
/// See docs/hw-config.md for the keys.
/// </remarks>
public sealed record UsbConfig
{
    /// <summary>The defaults: the placeholder IDs of our FPGA board, interface 0, endpoints 0x01/0x81.</summary>
    public static UsbConfig Default { get; } = new();

    /// <summary>USB vendor ID (<c>vid</c>). Default 0x1d50 (OpenMoko, Inc., which allocates IDs to open hardware).</summary>
    public ushort Vid { get; init; } = 0x1d50;

    /// <summary>USB product ID (<c>pid</c>). Default 0x6199: a placeholder from the OpenMoko test range
    /// until the board has its own allocation.</summary>
    public ushort Pid { get; init; } = 0x6199;

    /// <summary>iSerialNumber to match (<c>serial</c>) when several boards are plugged in; null = the
    /// first board with <see cref="Vid"/>:<see cref="Pid"/>.</summary>
    public string? Serial { get; init; }

    /// <summary>bInterfaceNumber of the bulk interface (<c>interface</c>), 0..255. Default 0.</summary>
    public int Interface { get; init; }

    /// <summary>Bulk OUT endpoint address (<c>endpoint-out</c>), 0x01..0x0f (bit 7 clear). Default 0x01.</summary>
    public byte EndpointOut { get; init; } = 0x01;

    /// <summary>Bulk IN endpoint address (<c>endpoint-in</c>), 0x81..0x8f (bit 7 set). Default 0x81.</summary>
    public byte EndpointIn { get; init; } = 0x81;

    /// <summary>Timeout of one bulk transfer (<c>timeout</c>), 1 ms..1 min. Default 1 s.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Bulk IN transfers kept queued (<c>transfers-in-flight</c>), 1..64. Default 4.</summary>
    public int TransfersInFlight { get; init; } = 4;

    /// <summary>Bytes per bulk transfer (<c>transfer-size</c>): a multiple of 512 (the high-speed bulk
    /// packet), 512..1 MiB. Default 16 KiB.</summary>
    public int TransferSize { get; init; } = 16 * 1024;
}

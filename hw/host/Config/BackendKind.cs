namespace Emulator.Board.Config;

/// <summary>Where the device side of the IOMMU path runs (<c>backend:</c> in hw-config.yaml).</summary>
public enum BackendKind : byte
{
    /// <summary>In process: the ATC model of <c>Emulator.Core.Backends</c>. Needs no hardware.</summary>
    Sim = 0,

    /// <summary>Over the wire protocol to an FPGA board (USB) or the firmware stub (TCP, Unix socket).</summary>
    Board = 1,
}

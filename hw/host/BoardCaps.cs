using Emulator.Core.Wire;

namespace Emulator.Board;

/// <summary>What a board announced in CAPS, and the version the session uses.</summary>
/// <param name="BoardId">Serial number or FPGA DNA.</param>
/// <param name="BoardVersion">The protocol version the board speaks.</param>
/// <param name="Negotiated">The version both sides use (same major, lower minor).</param>
/// <param name="AtcEntries">Entries of the board's ATC.</param>
/// <param name="AtcWays">Its associativity.</param>
/// <param name="MaxBatch">ATC_INVs the board accepts between SYNCs.</param>
/// <param name="MaxOutstanding">ATC_INVs it can hold uncompleted.</param>
/// <param name="Limits">The server limits it states (not stated by a 24-byte CAPS).</param>
public sealed record BoardCaps(ulong BoardId, ProtocolVersion BoardVersion, ProtocolVersion Negotiated,
    uint AtcEntries, ushort AtcWays, uint MaxBatch, uint MaxOutstanding, CapsLimits Limits = default)
{
    public override string ToString() =>
        $"board {BoardId:x16}, protocol {BoardVersion} (using {Negotiated}), ATC {AtcEntries} entries × {AtcWays} ways, max batch {MaxBatch}, max outstanding {MaxOutstanding}"
        + (Limits.IsStated ? "; limits: " + Limits : "");
}

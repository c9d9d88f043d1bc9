namespace Emulator.Core.Wire;

/// <summary>The server limits a board announces after the 24 bytes of CAPS (docs/wire-protocol.md §
/// CAPS limits): what it refuses with ERROR(overrun) instead of growing. All zero (<see cref="IsStated"/>
/// false) when the board sent the short CAPS — it states no limits, not that it has none.</summary>
/// <remarks>
/// <code>
/// off size field
///  24  4   maxSids          SIDs the board keeps an ATC for (ATC_FILL for one more: ERROR overrun)
///  28  4   atcEntriesTotal  ATC entries of the whole board (all SIDs)
///  32  2   maxConnections   connections served at once (one more: ERROR overrun, closed)
///  34  2   reserved         0
///  36  4   maxPendingBytes  bytes of one connection's input held unhandled (beyond: back-pressure)
///  40  4   idleTimeoutMs    a connection silent this long is closed (0: never)
/// </code>
/// </remarks>
/// <param name="MaxSids">SIDs with an ATC at most.</param>
/// <param name="AtcEntriesTotal">ATC entries of the board in all.</param>
/// <param name="MaxConnections">Connections served at once.</param>
/// <param name="MaxPendingBytes">Input bytes held per connection before back-pressure.</param>
/// <param name="IdleTimeoutMs">Milliseconds of silence before a connection is closed; 0 for never.</param>
public readonly record struct CapsLimits(uint MaxSids, uint AtcEntriesTotal, ushort MaxConnections, uint MaxPendingBytes, uint IdleTimeoutMs)
{
    /// <summary>Bytes the limits add to CAPS.</summary>
    public const int Size = 20;

    /// <summary>True when the board sent them.</summary>
    public bool IsStated => MaxSids != 0 || AtcEntriesTotal != 0 || MaxConnections != 0 || MaxPendingBytes != 0 || IdleTimeoutMs != 0;

    public override string ToString() => IsStated
        ? $"max {MaxSids} SIDs, {AtcEntriesTotal} ATC entries in all, {MaxConnections} connections, {MaxPendingBytes} pending bytes per connection, idle timeout {(IdleTimeoutMs == 0 ? "none" : IdleTimeoutMs + " ms")}"
        : "no limits stated";
}

using Emulator.Core.Wire;

namespace Emulator.Board;

/// <summary>The board's answer to ATC_DUMP, or why there is none.</summary>
/// <param name="Sid">The endpoint asked about.</param>
/// <param name="Status">How it ended; only <see cref="DumpStatus.Ok"/> carries a usable picture.</param>
/// <param name="Entries">The entries decoded (all of them when Ok).</param>
/// <param name="Truncated">The board had more entries than fit one reply.</param>
/// <param name="Undecodable">Entries that did not decode.</param>
/// <param name="Detail">For a failure: what was seen (the first undecodable entry's bytes, the last link error).</param>
public sealed record BoardDump(uint Sid, DumpStatus Status, IReadOnlyList<AtcDumpEntry> Entries, bool Truncated, int Undecodable, string? Detail);

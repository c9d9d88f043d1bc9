using Emulator.Core.Mm;

namespace Emulator.Core.Trace.Strace;

/// <summary>One mapping of the importer's model: [<see cref="Start"/>, <see cref="End"/>) (end
/// exclusive), page aligned.</summary>
/// <param name="Start">First byte.</param>
/// <param name="End">Just past the last byte.</param>
/// <param name="Prot">The protection the emulated VMA has.</param>
/// <param name="SharedId">0 for private memory; otherwise the shared object's number (kept across fork).</param>
/// <param name="PgOff">The page offset of <see cref="Start"/> in the shared object (0 for private).</param>
internal readonly record struct Region(ulong Start, ulong End, Protection Prot, int SharedId, ulong PgOff)
{
    public ulong Pages => (End - Start) >> 12;

    public bool Shared => SharedId != 0;

    /// <summary>The part [start, end) of this region, with its shared offset adjusted.</summary>
    public Region Slice(ulong start, ulong end) =>
        new(start, end, Prot, SharedId, SharedId == 0 ? 0 : PgOff + ((start - Start) >> 12));
}

using System.Globalization;

namespace Emulator.Core.Oracle;

/// <summary>
/// One stale access: a DMA through a cached translation (ATC or IOTLB) whose frame has been freed, or
/// freed and reused, since the translation was made.
/// </summary>
/// <param name="Sid">StreamID of the device that made the access.</param>
/// <param name="Pasid">The access's PASID, or <c>AtcEntry.NoPasid</c> (0xFFFF_FFFF).</param>
/// <param name="Va">The untranslated address accessed.</param>
/// <param name="Pa">The translated address accessed.</param>
/// <param name="Pfn">The frame whose lifetime the translation remembered.</param>
/// <param name="RememberedGeneration">The frame's generation when the translation was made.</param>
/// <param name="CurrentGeneration">The frame's generation at the access.</param>
/// <param name="IsWrite">True for a DMA write (the worse case: it corrupts whoever owns the frame now).</param>
/// <param name="History">The recent command history the owner attached (<see cref="CoherenceOracle.History"/>),
/// oldest first: the commands that should have removed the translation. Empty when none was attached.</param>
public readonly record struct StaleAccess(uint Sid, uint Pasid, ulong Va, ulong Pa, ulong Pfn,
    uint RememberedGeneration, uint CurrentGeneration, bool IsWrite, string[] History)
{
    /// <summary>One line, e.g. <c>stale DMA write sid 3 pasid 5 va 0x7f0000001000 pa 0x123000 pfn 0x123 gen 0 now 1</c>.</summary>
    public override string ToString()
    {
        string pasid = Pasid == uint.MaxValue ? "-" : Pasid.ToString(CultureInfo.InvariantCulture);
        string history = History is { Length: > 0 } ? " after [" + string.Join("; ", History) + "]" : "";
        return string.Create(CultureInfo.InvariantCulture,
            $"stale DMA {(IsWrite ? "write" : "read")} sid {Sid} pasid {pasid} va 0x{Va:x} pa 0x{Pa:x} pfn 0x{Pfn:x} gen {RememberedGeneration} now {CurrentGeneration}{history}");
    }
}

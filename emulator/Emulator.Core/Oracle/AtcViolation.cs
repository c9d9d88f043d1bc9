namespace Emulator.Core.Oracle;

/// <summary>
/// An ATC entry of a bound PASID that, after an mm operation returned, granted an access the CPU page
/// table no longer grants: the invalidation that should have removed or downgraded it did not happen.
/// </summary>
/// <param name="Sid">The device.</param>
/// <param name="Pasid">The PASID the entry is tagged with.</param>
/// <param name="Va">The page checked.</param>
/// <param name="AtcPa">Where the ATC translates it.</param>
/// <param name="Reason">What the CPU page table says instead (not mapped, another frame, read-only).</param>
/// <param name="History">Recent SMMU commands, when the owner provides them.</param>
public readonly record struct AtcViolation(uint Sid, uint Pasid, ulong Va, ulong AtcPa, string Reason, string[] History)
{
    public override string ToString() =>
        $"ATC incoherent: sid {Sid:x} pasid {Pasid:x} va {Va:x} -> pa {AtcPa:x}: {Reason}";
}

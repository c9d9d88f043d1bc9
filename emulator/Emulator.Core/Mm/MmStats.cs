namespace Emulator.Core.Mm;

/// <summary>What an address space did, for the demo, traces and tests. Updated with the mmap lock held.</summary>
public sealed class MmStats
{
    public long Faults;
    public long DemandPages;
    public long CowBreaks;
    public long CowReuses;
    public long PagesUnmapped;
    public long PagesMigrated;
    public long RangeInvalidations;
    public long SecondaryTlbInvalidations;
    public long CpuTlbShootdowns;
    public long PageTablesFreed;

    public override string ToString() =>
        $"faults={Faults} demand={DemandPages} cow-breaks={CowBreaks} cow-reuse={CowReuses} unmapped={PagesUnmapped} " +
        $"migrated={PagesMigrated} invalidations={RangeInvalidations} secondary-tlb={SecondaryTlbInvalidations}";
}

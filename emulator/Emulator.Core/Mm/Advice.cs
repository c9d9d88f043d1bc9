namespace Emulator.Core.Mm;

/// <summary>madvise advice (Linux <c>MADV_*</c> values). The hints that change nothing in this model
/// are accepted; DONTNEED and FREE drop pages.</summary>
public enum Advice : int
{
    Normal = 0,
    Random = 1,
    Sequential = 2,
    WillNeed = 3,
    DontNeed = 4,
    Free = 8,
    Remove = 9,
    DontFork = 10,
    DoFork = 11,
    Mergeable = 12,
    Unmergeable = 13,
    HugePage = 14,
    NoHugePage = 15,
    DontDump = 16,
    DoDump = 17,
    Cold = 20,
    PageOut = 21,
}

namespace Emulator.Core.Smmu;

/// <summary>One cached stage 1 translation: a page of 4 KiB, 2 MiB or 1 GiB, the rights the walk
/// found, and the generation of the frame it translated to (for the coherence oracle).</summary>
/// <param name="PaBase">Physical address of the page.</param>
/// <param name="PageShift">12, 21 or 30.</param>
/// <param name="Writable">R/W = 1 at every level.</param>
/// <param name="Dirty">The leaf's D bit was set when the entry was filled.</param>
/// <param name="NoExecute">XD = 1 at some level.</param>
/// <param name="Global">The leaf had G = 1: the entry matches every ASID and survives CMD_TLBI_NH_ASID.</param>
/// <param name="FrameGeneration"><see cref="Memory.FrameAllocator.Generation"/> of the first frame of the page.</param>
internal readonly record struct IotlbEntry(ulong PaBase, int PageShift, bool Writable, bool Dirty, bool NoExecute, bool Global, uint FrameGeneration);

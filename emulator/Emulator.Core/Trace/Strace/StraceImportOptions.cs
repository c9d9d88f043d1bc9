namespace Emulator.Core.Trace.Strace;

/// <summary>What <see cref="StraceImporter"/> adds to the memory calls of the log.</summary>
/// <param name="Device">When set, a device of this name (<c>sid=1 ats pri</c>) is bound to every
/// process and <paramref name="DmaProbes"/> DMA probes follow each memory call.</param>
/// <param name="DmaProbes">Pages DMA-touched after each memory call (with <paramref name="Device"/> only).</param>
/// <param name="Seed">Seeds the choice of probed pages: equal inputs give byte-identical traces.</param>
public sealed record StraceImportOptions(string? Device = null, int DmaProbes = 0, ulong Seed = 0);

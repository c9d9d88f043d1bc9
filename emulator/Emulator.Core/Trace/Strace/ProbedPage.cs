namespace Emulator.Core.Trace.Strace;

/// <summary>What the importer knows of a page a DMA probe touched (so it has a frame).</summary>
/// <param name="Seed">The <c>rand:</c> seed last written at the probe slot; 0 when the page reads as zeros.</param>
internal readonly record struct ProbedPage(ulong Seed);

using Emulator.Core.Mm;

namespace Emulator.Core.Trace;

/// <summary><c>mmap PROC ADDR SIZE PROT [shared]</c>: an anonymous mapping at exactly ADDR.</summary>
public sealed record MmapStatement(string Process, ulong Address, ulong Size, Protection Protection, bool Shared = false) : ActionStatement;

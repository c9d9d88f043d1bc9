using Emulator.Core.Mm;

namespace Emulator.Core.Trace;

/// <summary><c>madvise PROC ADDR SIZE dontneed</c> (v1 names only <c>dontneed</c>).</summary>
public sealed record MadviseStatement(string Process, ulong Address, ulong Size, Advice Advice) : ActionStatement;

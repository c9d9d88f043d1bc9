using Emulator.Core.Mm;

namespace Emulator.Core.Trace;

/// <summary><c>mprotect PROC ADDR SIZE PROT</c>.</summary>
public sealed record MprotectStatement(string Process, ulong Address, ulong Size, Protection Protection) : ActionStatement;

namespace Emulator.Core.Trace;

/// <summary><c>write PROC ADDR SIZE PATTERN</c>: CPU stores.</summary>
public sealed record WriteStatement(string Process, ulong Address, ulong Size, Pattern Data) : ActionStatement;

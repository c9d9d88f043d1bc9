namespace Emulator.Core.Trace;

/// <summary><c>migrate PROC ADDR SIZE</c>: moves the pages to new frames.</summary>
public sealed record MigrateStatement(string Process, ulong Address, ulong Size) : ActionStatement;

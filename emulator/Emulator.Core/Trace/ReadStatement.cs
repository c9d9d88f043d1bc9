namespace Emulator.Core.Trace;

/// <summary><c>read PROC ADDR SIZE</c>: CPU loads; the result may be a pattern.</summary>
public sealed record ReadStatement(string Process, ulong Address, ulong Size) : ActionStatement;

namespace Emulator.Core.Trace;

/// <summary><c>brk PROC ADDR</c>.</summary>
public sealed record BrkStatement(string Process, ulong Address) : ActionStatement;

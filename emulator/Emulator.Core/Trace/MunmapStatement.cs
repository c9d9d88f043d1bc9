namespace Emulator.Core.Trace;

/// <summary><c>munmap PROC ADDR SIZE</c>.</summary>
public sealed record MunmapStatement(string Process, ulong Address, ulong Size) : ActionStatement;

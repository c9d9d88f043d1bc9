namespace Emulator.Core.Trace;

/// <summary><c>mremap PROC ADDR SIZE NEWSIZE [to=ADDR]</c>; <paramref name="To"/> is null without <c>to=</c>.</summary>
public sealed record MremapStatement(string Process, ulong Address, ulong Size, ulong NewSize, ulong? To = null) : ActionStatement;

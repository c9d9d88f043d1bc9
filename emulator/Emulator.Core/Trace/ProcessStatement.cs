namespace Emulator.Core.Trace;

/// <summary><c>process NAME</c>: a new process with an empty address space.</summary>
public sealed record ProcessStatement(string Name) : Statement;

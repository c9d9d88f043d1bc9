namespace Emulator.Core.Trace;

/// <summary><c>fork PROC CHILD</c>: CHILD is a new process name, declared by this statement.</summary>
public sealed record ForkStatement(string Process, string Child) : ActionStatement;

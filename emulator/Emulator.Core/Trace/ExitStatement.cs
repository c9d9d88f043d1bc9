namespace Emulator.Core.Trace;

/// <summary><c>exit PROC</c>.</summary>
public sealed record ExitStatement(string Process) : ActionStatement;

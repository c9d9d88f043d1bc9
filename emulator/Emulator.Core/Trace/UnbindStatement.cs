namespace Emulator.Core.Trace;

/// <summary><c>unbind DEV PROC</c>.</summary>
public sealed record UnbindStatement(string Device, string Process) : ActionStatement;

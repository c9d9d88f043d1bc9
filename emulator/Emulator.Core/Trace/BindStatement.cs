namespace Emulator.Core.Trace;

/// <summary><c>bind DEV PROC</c>: binds the device to the process's address space (SVA).</summary>
public sealed record BindStatement(string Device, string Process) : ActionStatement;

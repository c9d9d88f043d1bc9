namespace Emulator.Core.Trace;

/// <summary><c>trace VERSION</c>: the first statement of every trace. Only version 1 parses.</summary>
public sealed record TraceHeader(int Version) : Statement;

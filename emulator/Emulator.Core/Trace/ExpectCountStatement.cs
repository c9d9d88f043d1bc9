namespace Emulator.Core.Trace;

/// <summary><c>expect count NAME OP N</c>: a cumulative counter compared with N.</summary>
public sealed record ExpectCountStatement(TraceCounter Counter, CountOp Op, ulong Value) : Statement;

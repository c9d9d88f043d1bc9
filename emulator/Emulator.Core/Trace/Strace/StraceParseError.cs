namespace Emulator.Core.Trace.Strace;

/// <summary>Why a line did not parse: <paramref name="Index"/> is the 0-based position of the
/// offending text in the span given to the parser.</summary>
public readonly record struct StraceParseError(int Index, string Message);

namespace Emulator.Core.Trace;

/// <summary>The comparison of <c>expect count</c>.</summary>
public enum CountOp : byte
{
    /// <summary><c>==</c></summary>
    Equal = 0,
    /// <summary><c>&gt;=</c></summary>
    GreaterOrEqual = 1,
    /// <summary><c>&lt;=</c></summary>
    LessOrEqual = 2,
}

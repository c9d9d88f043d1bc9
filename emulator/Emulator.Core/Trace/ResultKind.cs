namespace Emulator.Core.Trace;

/// <summary>What follows <c>=&gt;</c>.</summary>
public enum ResultKind : byte
{
    /// <summary><c>ok</c>, or no <c>=&gt;</c> at all: the action must succeed.</summary>
    Ok = 0,
    /// <summary><c>any</c>: the outcome is not checked.</summary>
    Any = 1,
    /// <summary><c>fault</c>: SIGSEGV for a CPU access, a failed DMA for a device.</summary>
    Fault = 2,
    /// <summary><c>error NAME</c>: the call fails with that errno.</summary>
    Error = 3,
    /// <summary><c>PATTERN</c>: (read and dma read only) the bytes read equal the pattern.</summary>
    Pattern = 4,
}

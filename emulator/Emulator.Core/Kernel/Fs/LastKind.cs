namespace Emulator.Core.Kernel.Fs;

/// <summary>How a path ends (Linux's LAST_NORM, LAST_DOT, LAST_DOTDOT, LAST_ROOT): the namespace calls
/// refuse to create or remove "." and "..", each with its own errno.</summary>
internal enum LastKind : byte
{
    Normal,
    Dot,
    DotDot,
    Root,
}

namespace Emulator.Core.Cpu.Float;

/// <summary>The outcome of comparing two values, one bit each, so a predicate is a mask of them.</summary>
[Flags]
internal enum FloatRelation : byte
{
    Less = 1,
    Equal = 2,
    Greater = 4,
    Unordered = 8,
}

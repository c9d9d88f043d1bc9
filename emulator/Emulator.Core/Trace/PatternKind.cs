namespace Emulator.Core.Trace;

/// <summary>The generator behind a <see cref="Pattern"/>.</summary>
public enum PatternKind : byte
{
    /// <summary><c>zero</c>: every byte 0.</summary>
    Zero = 0,
    /// <summary><c>byte:N</c>: every byte N.</summary>
    Byte = 1,
    /// <summary><c>seq32:BASE</c>: the little-endian u32 at byte offset 4·i is BASE+i (mod 2^32).</summary>
    Seq32 = 2,
    /// <summary><c>hex:BYTES</c>: exactly these bytes.</summary>
    Hex = 3,
    /// <summary><c>rand:SEED</c>: the splitmix64 stream seeded with SEED, each output little-endian.</summary>
    Rand = 4,
}

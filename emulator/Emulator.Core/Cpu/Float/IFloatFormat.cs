namespace Emulator.Core.Cpu.Float;

/// <summary>An IEEE-754 binary interchange format, held in the low bits of a <see cref="ulong"/>.
/// The members are constants of the implementing struct, so generic code specialised per format
/// (<see cref="SoftFloat"/>) compiles to straight-line code for each.</summary>
internal interface IFloatFormat
{
    /// <summary>Stored fraction bits (10, 23, 52); the precision is one more.</summary>
    static abstract int FracBits { get; }

    /// <summary>Exponent bias (15, 127, 1023): emax = bias, emin = 1 − bias.</summary>
    static abstract int Bias { get; }

    /// <summary>The sign bit.</summary>
    static abstract ulong SignBit { get; }

    /// <summary>The exponent field, all ones (∞ and NaN).</summary>
    static abstract ulong ExpMask { get; }

    /// <summary>The fraction field.</summary>
    static abstract ulong FracMask { get; }

    /// <summary>The most significant fraction bit: set in a quiet NaN, clear in a signalling one.</summary>
    static abstract ulong QuietBit { get; }

    /// <summary>The x86 "real indefinite" QNaN: negative, quiet bit only (SDM Vol. 1 §4.8.3.7).</summary>
    static abstract ulong DefaultNaN { get; }

    /// <summary>The largest finite magnitude.</summary>
    static abstract ulong MaxFinite { get; }
}

using System.Globalization;
using System.Runtime.CompilerServices;

namespace Emulator.Core.Cpu.X87;

/// <summary>
/// An 80-bit double extended-precision value exactly as the x87 holds it (SDM Vol. 1 §4.2.2, §8.2.2):
/// a sign, a 15-bit biased exponent (bias 16383) and a 64-bit significand whose bit 63 is the explicit
/// integer bit J.
/// </summary>
/// <remarks>
/// Encodings (SDM Vol. 1 Table 8-3): exponent 0 with J = 0 is zero or a denormal; exponent 0 with J = 1
/// is a pseudo-denormal (read as exponent 1, raising #D); exponent 1..0x7FFE with J = 1 is normal;
/// exponent 0x7FFF with J = 1 is infinity (fraction 0) or a NaN (bit 62 set: quiet). Any nonzero
/// exponent with J = 0 (unnormal, pseudo-NaN, pseudo-infinity) is an unsupported format: an operand
/// of that kind raises #IA and gives the indefinite.
/// </remarks>
public readonly record struct Ext80(ulong Significand, ushort SignExponent)
{
    public const int Bias = 16383;
    public const int MaxExponent = 0x7FFF;
    public const ulong IntegerBit = 1UL << 63;
    public const ulong QuietBit = 1UL << 62;

    /// <summary>The QNaN floating-point indefinite: the default result of a masked #IA.</summary>
    public static readonly Ext80 Indefinite = new(0xC000_0000_0000_0000, 0xFFFF);
    public static readonly Ext80 PositiveZero = new(0, 0);
    public static readonly Ext80 NegativeZero = new(0, 0x8000);
    public static readonly Ext80 One = new(IntegerBit, Bias);
    public static readonly Ext80 PositiveInfinity = new(IntegerBit, 0x7FFF);
    public static readonly Ext80 NegativeInfinity = new(IntegerBit, 0xFFFF);

    public bool Sign => (SignExponent & 0x8000) != 0;

    /// <summary>The biased exponent field (0..0x7FFF).</summary>
    public int Exponent => SignExponent & 0x7FFF;

    public bool IsZero => (SignExponent & 0x7FFF) == 0 && Significand == 0;

    /// <summary>Exponent 0, J = 0, significand nonzero.</summary>
    public bool IsDenormal => (SignExponent & 0x7FFF) == 0 && Significand != 0 && (Significand & IntegerBit) == 0;

    /// <summary>Exponent 0 with J = 1 (SDM Vol. 1 §8.2.2: operands only; never produced).</summary>
    public bool IsPseudoDenormal => (SignExponent & 0x7FFF) == 0 && (Significand & IntegerBit) != 0;

    /// <summary>Denormal or pseudo-denormal: an operand that raises #D.</summary>
    public bool IsDenormalOperand => (SignExponent & 0x7FFF) == 0 && Significand != 0;

    /// <summary>Unnormal, pseudo-NaN or pseudo-infinity: nonzero exponent with J = 0.</summary>
    public bool IsUnsupported => (SignExponent & 0x7FFF) != 0 && (Significand & IntegerBit) == 0;

    public bool IsInfinity => (SignExponent & 0x7FFF) == 0x7FFF && Significand == IntegerBit;

    /// <summary>A NaN (J = 1, fraction nonzero); quiet or signalling.</summary>
    public bool IsNaN => (SignExponent & 0x7FFF) == 0x7FFF && (Significand & IntegerBit) != 0 && (Significand << 1) != 0;

    public bool IsSignalingNaN => IsNaN && (Significand & QuietBit) == 0;

    /// <summary>Finite, nonzero, supported: normal, denormal or pseudo-denormal.</summary>
    public bool IsFiniteNonZero => (SignExponent & 0x7FFF) != 0x7FFF && Significand != 0 && !IsUnsupported;

    public Ext80 Negate() => new(Significand, (ushort)(SignExponent ^ 0x8000));

    public Ext80 Abs() => new(Significand, (ushort)(SignExponent & 0x7FFF));

    /// <summary>This NaN made quiet (bit 62 set), payload and sign kept.</summary>
    public Ext80 Quieted() => new(Significand | QuietBit, SignExponent);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Ext80 Zero(bool sign) => new(0, (ushort)(sign ? 0x8000 : 0));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Ext80 Infinity(bool sign) => new(IntegerBit, (ushort)(sign ? 0xFFFF : 0x7FFF));

    /// <summary>The full-form tag of this value (SDM Vol. 1 §8.1.7): 0 valid, 1 zero, 2 special
    /// (NaN, infinity, denormal, unsupported); 3 (empty) is not a property of the value.</summary>
    public int Tag
    {
        get
        {
            int e = SignExponent & 0x7FFF;
            if (e == 0)
            {
                return Significand == 0 ? 1 : 2;
            }
            return e == 0x7FFF || (Significand & IntegerBit) == 0 ? 2 : 0;
        }
    }

    /// <summary>Reads 10 little-endian bytes (significand, then sign/exponent).</summary>
    public static Ext80 Read(ReadOnlySpan<byte> b) =>
        new(System.Buffers.Binary.BinaryPrimitives.ReadUInt64LittleEndian(b), System.Buffers.Binary.BinaryPrimitives.ReadUInt16LittleEndian(b[8..]));

    /// <summary>Writes 10 little-endian bytes.</summary>
    public void Write(Span<byte> b)
    {
        System.Buffers.Binary.BinaryPrimitives.WriteUInt64LittleEndian(b, Significand);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt16LittleEndian(b[8..], SignExponent);
    }

    /// <summary><c>SEEE:SSSSSSSSSSSSSSSS</c>, the form the test tables use.</summary>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{SignExponent:x4}:{Significand:x16}");

    /// <summary>Parses <see cref="ToString"/>'s form.</summary>
    public static Ext80 Parse(string s)
    {
        int colon = s.IndexOf(':', StringComparison.Ordinal);
        if (colon < 0)
        {
            throw new FormatException($"not an 80-bit value (SEEE:SSSSSSSSSSSSSSSS): {s}");
        }
        return new Ext80(ulong.Parse(s.AsSpan(colon + 1), NumberStyles.HexNumber, CultureInfo.InvariantCulture),
            ushort.Parse(s.AsSpan(0, colon), NumberStyles.HexNumber, CultureInfo.InvariantCulture));
    }
}

using System.Buffers.Binary;
using System.Globalization;

namespace Emulator.Core.Trace;

/// <summary>A trace PATTERN: an infinite (or, for <c>hex:</c>, fixed-length) byte sequence that
/// <c>write</c> stores and a <c>read</c> result is compared with. <c>default</c> is <c>zero</c>.</summary>
/// <remarks>Every byte is a pure function of its offset, so a long access is filled or checked in
/// chunks with no state: <c>Fill(o, a)</c> then <c>Fill(o + a.Length, b)</c> equals one <c>Fill</c>
/// of <c>a</c>+<c>b</c>. A <c>hex:</c> pattern has exactly <see cref="HexLength"/> bytes; the parser
/// rejects a <c>hex:</c> whose length is not the statement's SIZE, so asking for bytes past its end
/// is a caller bug (<see cref="Fill"/> throws) or, for <see cref="Matches"/>, a mismatch.</remarks>
public readonly struct Pattern : IEquatable<Pattern>
{
    private const ulong Gamma = 0x9E3779B97F4A7C15;

    private readonly byte[]? _hex;

    private Pattern(PatternKind kind, ulong value, byte[]? hex)
    {
        Kind = kind;
        Value = value;
        _hex = hex;
    }

    public PatternKind Kind { get; }

    /// <summary>N for <c>byte:</c>, BASE for <c>seq32:</c>, SEED for <c>rand:</c>; 0 otherwise.</summary>
    public ulong Value { get; }

    /// <summary>The bytes of a <c>hex:</c> pattern; empty for the other kinds.</summary>
    public ReadOnlySpan<byte> HexBytes => _hex;

    /// <summary>Length of a <c>hex:</c> pattern; null for the unbounded kinds.</summary>
    public int? HexLength => Kind == PatternKind.Hex ? _hex!.Length : null;

    public static Pattern Zero => default;

    public static Pattern Byte(byte value) => new(PatternKind.Byte, value, null);

    public static Pattern Seq32(uint baseValue) => new(PatternKind.Seq32, baseValue, null);

    public static Pattern Rand(ulong seed) => new(PatternKind.Rand, seed, null);

    /// <param name="bytes">Copied; must not be empty.</param>
    public static Pattern Hex(ReadOnlySpan<byte> bytes)
    {
        if (bytes.IsEmpty)
        {
            throw new ArgumentException("a hex pattern has at least one byte", nameof(bytes));
        }
        return new(PatternKind.Hex, 0, bytes.ToArray());
    }

    /// <summary>splitmix64 (Steele, Lea, Flood 2014; Vigna's reference <c>splitmix64.c</c>): the
    /// output number <paramref name="index"/> (0-based) of the stream seeded with <paramref name="seed"/>.</summary>
    /// <remarks>The state after k+1 steps is seed + (k+1)·γ, so any output is reachable in O(1).</remarks>
    public static ulong SplitMix64(ulong seed, ulong index)
    {
        ulong z = unchecked(seed + (index + 1) * Gamma);
        z = unchecked((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9);
        z = unchecked((z ^ (z >> 27)) * 0x94D049BB133111EB);
        return z ^ (z >> 31);
    }

    /// <summary>Writes the pattern's bytes at <paramref name="offset"/>..offset+destination.Length-1.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A <c>hex:</c> pattern asked for bytes past its end.</exception>
    public void Fill(ulong offset, Span<byte> destination)
    {
        switch (Kind)
        {
            case PatternKind.Zero:
                destination.Clear();
                break;
            case PatternKind.Byte:
                destination.Fill((byte)Value);
                break;
            case PatternKind.Seq32:
                for (int i = 0; i < destination.Length; i++)
                {
                    ulong pos = offset + (ulong)i;
                    uint word = unchecked((uint)Value + (uint)(pos >> 2));
                    destination[i] = (byte)(word >> (int)(8 * (pos & 3)));
                }
                break;
            case PatternKind.Rand:
                for (int i = 0; i < destination.Length; i++)
                {
                    ulong pos = offset + (ulong)i;
                    destination[i] = (byte)(SplitMix64(Value, pos >> 3) >> (int)(8 * (pos & 7)));
                }
                break;
            case PatternKind.Hex:
                if (offset > (ulong)_hex!.Length || (ulong)destination.Length > (ulong)_hex.Length - offset)
                {
                    throw new ArgumentOutOfRangeException(nameof(offset), $"hex pattern has {_hex.Length} bytes");
                }
                _hex.AsSpan((int)offset, destination.Length).CopyTo(destination);
                break;
        }
    }

    /// <summary>Whether <paramref name="data"/> equals the pattern's bytes at <paramref name="offset"/>.</summary>
    /// <returns>false also when the data runs past the end of a <c>hex:</c> pattern.</returns>
    public bool Matches(ulong offset, ReadOnlySpan<byte> data)
    {
        if (Kind == PatternKind.Hex && (offset > (ulong)_hex!.Length || (ulong)data.Length > (ulong)_hex.Length - offset))
        {
            return false;
        }
        Span<byte> chunk = stackalloc byte[256];
        while (!data.IsEmpty)
        {
            int n = Math.Min(chunk.Length, data.Length);
            Fill(offset, chunk[..n]);
            if (!data[..n].SequenceEqual(chunk[..n]))
            {
                return false;
            }
            data = data[n..];
            offset += (ulong)n;
        }
        return true;
    }

    /// <summary>Parses one PATTERN token (docs/trace-format.md).</summary>
    /// <param name="text">The token, e.g. <c>seq32:0x10</c>.</param>
    /// <param name="pattern">The pattern on success.</param>
    /// <param name="error">On failure, the message (without position).</param>
    public static bool TryParse(ReadOnlySpan<char> text, out Pattern pattern, out string? error)
    {
        pattern = default;
        error = null;
        if (text.SequenceEqual("zero"))
        {
            return true;
        }
        if (text.SequenceEqual("seq32"))
        {
            pattern = Seq32(0);
            return true;
        }
        int colon = text.IndexOf(':');
        ReadOnlySpan<char> kind = colon < 0 ? text : text[..colon];
        ReadOnlySpan<char> arg = colon < 0 ? default : text[(colon + 1)..];
        switch (kind)
        {
            case "byte" when colon >= 0:
                if (!TraceNumber.TryParse(arg, false, out ulong b, out error))
                {
                    return false;
                }
                if (b > 255)
                {
                    error = $"byte pattern value must be 0..255, got {b}";
                    return false;
                }
                pattern = Byte((byte)b);
                return true;
            case "seq32" when colon >= 0:
                if (!TraceNumber.TryParse(arg, false, out ulong s, out error))
                {
                    return false;
                }
                if (s > uint.MaxValue)
                {
                    error = $"seq32 base must fit in 32 bits, got {s}";
                    return false;
                }
                pattern = Seq32((uint)s);
                return true;
            case "rand" when colon >= 0:
                if (!TraceNumber.TryParse(arg, false, out ulong seed, out error))
                {
                    return false;
                }
                pattern = Rand(seed);
                return true;
            case "hex" when colon >= 0:
                if (arg.IsEmpty || arg.Length % 2 != 0)
                {
                    error = $"hex pattern needs an even, non-zero number of hex digits, got {arg.Length}";
                    return false;
                }
                byte[] bytes = new byte[arg.Length / 2];
                for (int i = 0; i < bytes.Length; i++)
                {
                    if (!byte.TryParse(arg.Slice(2 * i, 2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out bytes[i]))
                    {
                        error = $"invalid hex digits '{arg.Slice(2 * i, 2)}' in hex pattern";
                        return false;
                    }
                }
                pattern = new(PatternKind.Hex, 0, bytes);
                return true;
            default:
                error = $"invalid pattern '{text}': expected zero, byte:N, seq32[:BASE], hex:BYTES or rand:SEED";
                return false;
        }
    }

    /// <summary>The canonical spelling: <c>zero</c>, <c>byte:N</c> (decimal), <c>seq32</c> or
    /// <c>seq32:0xBASE</c>, <c>hex:</c> lowercase digits, <c>rand:SEED</c> (decimal).</summary>
    public override string ToString() => Kind switch
    {
        PatternKind.Zero => "zero",
        PatternKind.Byte => $"byte:{Value}",
        PatternKind.Seq32 => Value == 0 ? "seq32" : $"seq32:0x{Value:x}",
        PatternKind.Rand => $"rand:{Value}",
        _ => "hex:" + Convert.ToHexStringLower(_hex!),
    };

    public bool Equals(Pattern other) =>
        Kind == other.Kind && Value == other.Value && HexBytes.SequenceEqual(other.HexBytes);

    public override bool Equals(object? obj) => obj is Pattern other && Equals(other);

    public override int GetHashCode() => HashCode.Combine(Kind, Value, _hex?.Length ?? 0);

    public static bool operator ==(Pattern left, Pattern right) => left.Equals(right);

    public static bool operator !=(Pattern left, Pattern right) => !left.Equals(right);
}

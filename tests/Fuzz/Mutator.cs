using System.Buffers.Binary;
using System.Globalization;
using System.Text;

namespace Emulator.Fuzz;

/// <summary>
/// Byte-level and text-aware mutations in the manner of libFuzzer's and AFL's havoc stage: each call
/// stacks one to four of them on an input. Deterministic for a <see cref="Random"/> seed.
/// </summary>
/// <remarks>Binary mutations: bit flips, interesting bytes and little-endian integers at random
/// offsets, range deletion, duplication and insertion, dictionary tokens, splicing with another corpus
/// input. Text targets add: a number replaced by an edge value (0, 2³²−1, 2⁶⁴, …, in decimal or hex),
/// lines swapped, duplicated or dropped, and terminal-hostile characters (ESC, bare CR, U+2028).</remarks>
public sealed class Mutator(Random rng, IReadOnlyList<byte[]> dictionary)
{
    private static readonly byte[] InterestingBytes = [0, 1, 0x7F, 0x80, 0xFF, (byte)'\n', (byte)'\r', 0x1B, (byte)' ', (byte)'\t', (byte)'=', (byte)':', (byte)'#', (byte)'"'];

    private static readonly ulong[] InterestingNumbers =
    [
        0, 1, 2, 3, 4, 7, 8, 15, 16, 63, 64, 127, 128, 255, 256, 4095, 4096, 4097, 65535, 65536, 1UL << 20, (1UL << 20) - 1,
        int.MaxValue, 1UL << 31, uint.MaxValue, 1UL << 32, 1UL << 47, (1UL << 47) - 4096, 1UL << 48, 1UL << 56, long.MaxValue,
        1UL << 63, ulong.MaxValue - 4095, ulong.MaxValue,
    ];

    private static readonly string[] HostileText = ["\u001b[2J", "\r", "\u2028", "\u0085", "\u202e", "\0", "\uFEFF", "é", "\t", "\r\n", "\\"];

    /// <summary>A mutated copy of <paramref name="input"/>, at most <paramref name="maxLength"/> bytes.</summary>
    /// <param name="input">What to mutate (not changed).</param>
    /// <param name="other">Another corpus input, for splicing.</param>
    /// <param name="isText">Apply the text mutations too.</param>
    /// <param name="maxLength">Cap on the result's length.</param>
    public byte[] Mutate(byte[] input, byte[] other, bool isText, int maxLength)
    {
        var data = new List<byte>(input);
        int rounds = 1 + rng.Next(4);
        for (int r = 0; r < rounds; r++)
        {
            int op = rng.Next(isText ? 16 : 11);
            switch (op)
            {
                case 0 when data.Count > 0:
                    data[rng.Next(data.Count)] ^= (byte)(1 << rng.Next(8));
                    break;
                case 1 when data.Count > 0:
                    data[rng.Next(data.Count)] = (byte)rng.Next(256);
                    break;
                case 2 when data.Count > 0:
                    data[rng.Next(data.Count)] = InterestingBytes[rng.Next(InterestingBytes.Length)];
                    break;
                case 3 when data.Count > 1:
                {
                    int start = rng.Next(data.Count);
                    data.RemoveRange(start, rng.Next(1, Math.Min(data.Count - start, 64) + 1));
                    break;
                }
                case 4 when data.Count > 0:
                {
                    int start = rng.Next(data.Count);
                    int length = rng.Next(1, Math.Min(data.Count - start, 256) + 1);
                    data.InsertRange(rng.Next(data.Count + 1), data.GetRange(start, length));
                    break;
                }
                case 5:
                {
                    var bytes = new byte[rng.Next(1, 9)];
                    rng.NextBytes(bytes);
                    data.InsertRange(rng.Next(data.Count + 1), bytes);
                    break;
                }
                case 6 when dictionary.Count > 0:
                    data.InsertRange(rng.Next(data.Count + 1), dictionary[rng.Next(dictionary.Count)]);
                    break;
                case 7 when dictionary.Count > 0 && data.Count > 0:
                {
                    byte[] token = dictionary[rng.Next(dictionary.Count)];
                    int at = rng.Next(data.Count);
                    for (int i = 0; i < token.Length && at + i < data.Count; i++)
                    {
                        data[at + i] = token[i];
                    }
                    break;
                }
                case 8 when other.Length > 0:
                {
                    int cut = rng.Next(data.Count + 1);
                    int from = rng.Next(other.Length);
                    data.RemoveRange(cut, data.Count - cut);
                    data.AddRange(other.AsSpan(from).ToArray());
                    break;
                }
                case 9 when data.Count >= 2:
                {
                    int width = 1 << rng.Next(4);
                    if (data.Count < width)
                    {
                        break;
                    }
                    int at = rng.Next(data.Count - width + 1);
                    Span<byte> value = stackalloc byte[8];
                    BinaryPrimitives.WriteUInt64LittleEndian(value, InterestingNumbers[rng.Next(InterestingNumbers.Length)] + (ulong)(rng.Next(3) - 1));
                    for (int i = 0; i < width; i++)
                    {
                        data[at + i] = value[i];
                    }
                    break;
                }
                case 10 when data.Count > 0:
                {
                    // Truncate: a frame or file cut short.
                    int cut = rng.Next(data.Count);
                    data.RemoveRange(cut, data.Count - cut);
                    break;
                }
                case 11:
                case 12:
                    ReplaceNumber(data);
                    break;
                case 13:
                    MutateLines(data);
                    break;
                case 14:
                    data.InsertRange(rng.Next(data.Count + 1), Encoding.UTF8.GetBytes(HostileText[rng.Next(HostileText.Length)]));
                    break;
                case 15 when dictionary.Count > 0:
                {
                    // A whole token line: keyword then the rest of an existing line.
                    data.InsertRange(LineStart(data, rng.Next(data.Count + 1)), [.. dictionary[rng.Next(dictionary.Count)], (byte)' ']);
                    break;
                }
            }
        }
        if (data.Count > maxLength)
        {
            data.RemoveRange(maxLength, data.Count - maxLength);
        }
        return [.. data];
    }

    private static int LineStart(List<byte> data, int at)
    {
        while (at > 0 && data[at - 1] != '\n')
        {
            at--;
        }
        return at;
    }

    /// <summary>Replaces a run of digits (decimal or after 0x) with an edge value.</summary>
    private void ReplaceNumber(List<byte> data)
    {
        if (data.Count == 0)
        {
            return;
        }
        int start = rng.Next(data.Count);
        int probe = 0;
        while (probe < data.Count && !IsDigit(data[(start + probe) % data.Count]))
        {
            probe++;
        }
        if (probe == data.Count)
        {
            return;
        }
        start = (start + probe) % data.Count;
        while (start > 0 && IsHexDigit(data[start - 1]))
        {
            start--;
        }
        int end = start;
        while (end < data.Count && (IsHexDigit(data[end]) || data[end] is (byte)'x' or (byte)'_'))
        {
            end++;
        }
        ulong value = InterestingNumbers[rng.Next(InterestingNumbers.Length)];
        string text = rng.Next(3) switch
        {
            0 => "0x" + value.ToString("x", CultureInfo.InvariantCulture),
            1 => value.ToString(CultureInfo.InvariantCulture) + (rng.Next(4) == 0 ? "0" : ""),
            _ => (value + (ulong)rng.Next(1, 4)).ToString(CultureInfo.InvariantCulture),
        };
        if (rng.Next(8) == 0)
        {
            text += rng.Next(3) switch { 0 => "K", 1 => "M", _ => "G" };
        }
        data.RemoveRange(start, end - start);
        data.InsertRange(start, Encoding.ASCII.GetBytes(text));
    }

    private void MutateLines(List<byte> data)
    {
        var lines = new List<byte[]>();
        int from = 0;
        for (int i = 0; i <= data.Count; i++)
        {
            if (i == data.Count || data[i] == '\n')
            {
                lines.Add(data.GetRange(from, i - from).ToArray());
                from = i + 1;
            }
        }
        if (lines.Count < 2)
        {
            return;
        }
        int a = rng.Next(lines.Count), b = rng.Next(lines.Count);
        switch (rng.Next(3))
        {
            case 0:
                (lines[a], lines[b]) = (lines[b], lines[a]);
                break;
            case 1:
                lines.Insert(b, lines[a]);
                break;
            default:
                lines.RemoveAt(a);
                break;
        }
        data.Clear();
        for (int i = 0; i < lines.Count; i++)
        {
            if (i > 0)
            {
                data.Add((byte)'\n');
            }
            data.AddRange(lines[i]);
        }
    }

    private static bool IsDigit(byte b) => b is >= (byte)'0' and <= (byte)'9';

    private static bool IsHexDigit(byte b) => IsDigit(b) || b is >= (byte)'a' and <= (byte)'f' or >= (byte)'A' and <= (byte)'F';
}

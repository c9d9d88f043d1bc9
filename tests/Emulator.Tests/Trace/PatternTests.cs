using Emulator.Core.Trace;

namespace Emulator.Tests.Trace;

/// <summary>PATTERN bytes against hand-computed and published values.</summary>
public sealed class PatternTests
{
    private static Pattern P(string text)
    {
        Assert.True(Pattern.TryParse(text, out Pattern p, out string? error), error);
        return p;
    }

    private static string Bytes(Pattern p, ulong offset, int count)
    {
        byte[] buffer = new byte[count];
        p.Fill(offset, buffer);
        return Convert.ToHexStringLower(buffer);
    }

    [Theory]
    [InlineData("zero", 0, 6, "000000000000")]
    [InlineData("byte:0xa5", 0, 4, "a5a5a5a5")]
    [InlineData("byte:7", 1000, 2, "0707")]
    // u32 0x10, 0x11 little-endian.
    [InlineData("seq32:0x10", 0, 8, "1000000011000000")]
    [InlineData("seq32", 0, 8, "0000000001000000")]
    // Offset 6 is byte 2 of word 1 (0x11): 00 00 then word 2 (0x12) 12 00 00 00.
    [InlineData("seq32:0x10", 6, 6, "000012000000")]
    // BASE+i wraps modulo 2^32.
    [InlineData("seq32:0xffffffff", 0, 8, "ffffffff00000000")]
    [InlineData("hex:00ff10", 0, 3, "00ff10")]
    [InlineData("hex:00ff10", 1, 2, "ff10")]
    // splitmix64 seed 0: outputs 0xE220A8397B1DCDAF, 0x6E789E6AA1B965F4 (Vigna's reference values), little-endian.
    [InlineData("rand:0", 0, 16, "afcd1d7b39a820e2f465b9a16a9e786e")]
    // seed 1: 0x910A2DEC89025CC1, 0xBEEB8DA1658EEC67.
    [InlineData("rand:1", 0, 16, "c15c0289ec2d0a9167ec8e65a18debbe")]
    [InlineData("rand:1", 5, 6, "2d0a9167ec8e")]
    public void Fill_produces_the_documented_bytes(string text, ulong offset, int count, string expected)
    {
        Assert.Equal(expected, Bytes(P(text), offset, count));
    }

    [Fact]
    public void SplitMix64_matches_the_reference_stream()
    {
        Assert.Equal(0xE220A8397B1DCDAFUL, Pattern.SplitMix64(0, 0));
        Assert.Equal(0x6E789E6AA1B965F4UL, Pattern.SplitMix64(0, 1));
        Assert.Equal(0x06C45D188009454FUL, Pattern.SplitMix64(0, 2));
        Assert.Equal(0x910A2DEC89025CC1UL, Pattern.SplitMix64(1, 0));
    }

    [Theory]
    [InlineData("seq32:3")]
    [InlineData("rand:12345")]
    [InlineData("byte:9")]
    public void Chunked_fill_equals_one_fill(string text)
    {
        Pattern p = P(text);
        byte[] whole = new byte[1000];
        p.Fill(3, whole);
        byte[] chunks = new byte[1000];
        // Uneven chunk sizes cross word boundaries of both seq32 (4) and rand (8).
        for (int at = 0, n = 1; at < chunks.Length; at += n, n = n % 13 + 1)
        {
            int len = Math.Min(n, chunks.Length - at);
            p.Fill(3 + (ulong)at, chunks.AsSpan(at, len));
        }
        Assert.Equal(whole, chunks);
        Assert.True(p.Matches(3, whole));
        Assert.True(p.Matches(503, whole.AsSpan(500)));
        whole[777] ^= 1;
        Assert.False(p.Matches(3, whole));
    }

    [Fact]
    public void Hex_past_its_end_is_a_mismatch_for_matches_and_a_bug_for_fill()
    {
        Pattern p = P("hex:0102");
        Assert.True(p.Matches(0, new byte[] { 1, 2 }));
        Assert.False(p.Matches(0, new byte[] { 1, 2, 0 }));
        Assert.False(p.Matches(3, new byte[] { 0 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => p.Fill(1, new byte[2]));
    }

    [Fact]
    public void Equality_compares_hex_contents()
    {
        Assert.Equal(P("hex:abcd"), P("hex:ABCD"));
        Assert.NotEqual(P("hex:abcd"), P("hex:abce"));
        Assert.Equal(Pattern.Zero, default);
        Assert.Equal(P("seq32"), P("seq32:0"));
        Assert.NotEqual(P("byte:0"), P("zero"));
    }
}

using System.Text;
using Emulator.Core.Wire;

namespace Emulator.Tests.Wire;

public class Crc32CTests
{
    [Fact]
    public void Check_value_of_123456789_is_the_Castagnoli_standard()
    {
        // The catalogued check value for CRC-32C (CRC-32/ISCSI): proves polynomial, reflection, init and xor-out.
        Assert.Equal(0xE3069283u, Crc32C.Compute("123456789"u8));
    }

    [Fact]
    public void Empty_input_gives_zero()
    {
        // init 0xFFFFFFFF then xor-out 0xFFFFFFFF with no bytes in between.
        Assert.Equal(0u, Crc32C.Compute(ReadOnlySpan<byte>.Empty));
    }

    [Fact]
    public void Segmentation_does_not_change_the_crc()
    {
        byte[] data = Encoding.ASCII.GetBytes("the quick brown fox jumps over the lazy dog, 0123456789");
        uint whole = Crc32C.Compute(data);
        for (int a = 0; a <= data.Length; a++)
            for (int b = a; b <= data.Length; b += 7)
                // Same bytes split into three segments at (a, b): the 8-byte fast path must not care where a chunk starts.
                Assert.Equal(whole, Crc32C.Compute(Segments.Split(data, a, b)));
    }
}

using Emulator.Core;
using Emulator.Core.Sva;

namespace Emulator.Tests.Sva;

public class PasidAllocatorTests
{
    [Fact]
    public void Allocation_is_lowest_free_and_never_zero()
    {
        var ida = new PasidAllocator();
        Assert.Equal(Errno.Ok, ida.Allocate(0, PasidAllocator.Max, out uint a));
        Assert.Equal(Errno.Ok, ida.Allocate(0, PasidAllocator.Max, out uint b));
        Assert.Equal(1u, a); // 0 is reserved for "no PASID"
        Assert.Equal(2u, b);
        ida.Free(a);
        Assert.Equal(Errno.Ok, ida.Allocate(0, PasidAllocator.Max, out uint c));
        Assert.Equal(1u, c); // the lowest free one is reused
    }

    [Fact]
    public void A_device_with_few_pasid_bits_gets_ids_in_its_range_and_a_clear_error_when_full()
    {
        var ida = new PasidAllocator();
        uint max = (1u << 2) - 1; // pasid-bits=2: IDs 1..3
        for (uint i = 1; i <= 3; i++)
        {
            Assert.Equal(Errno.Ok, ida.Allocate(1, max, out uint p));
            Assert.Equal(i, p);
        }
        Assert.Equal(Errno.ENOSPC, ida.Allocate(1, max, out _)); // exhaustion is a value
        Assert.Equal(Errno.Ok, ida.Allocate(1, PasidAllocator.Max, out uint wide));
        Assert.Equal(4u, wide); // a wider device still gets one
    }

    [Fact]
    public void The_whole_20_bit_space_can_be_exhausted()
    {
        var ida = new PasidAllocator();
        int n = 0;
        while (ida.Allocate(0, PasidAllocator.Max, out _) == Errno.Ok)
        {
            n++;
        }
        Assert.Equal((1 << 20) - 1, n); // every ID but 0
        Assert.Equal(Errno.ENOSPC, ida.Allocate(0, PasidAllocator.Max, out _));
        ida.Free(0xABCDE);
        Assert.Equal(Errno.Ok, ida.Allocate(0, PasidAllocator.Max, out uint p));
        Assert.Equal(0xABCDEu, p); // found even at the far end
    }

    [Theory]
    [InlineData(5u, 4u)]
    [InlineData(1u, PasidAllocator.Max + 1)]
    public void Bad_ranges_are_einval(uint min, uint max) =>
        Assert.Equal(Errno.EINVAL, new PasidAllocator().Allocate(min, max, out _));

    [Fact]
    public void Freeing_an_unallocated_pasid_is_a_bug()
    {
        var ida = new PasidAllocator();
        Assert.Throws<InvalidOperationException>(() => ida.Free(7));
        Assert.Throws<InvalidOperationException>(() => ida.Free(0));
    }

    [Fact]
    public void Concurrent_allocations_are_unique()
    {
        var ida = new PasidAllocator();
        var got = new uint[4][];
        Parallel.For(0, 4, t =>
        {
            got[t] = new uint[5000];
            for (int i = 0; i < 5000; i++)
            {
                Assert.Equal(Errno.Ok, ida.Allocate(0, PasidAllocator.Max, out got[t][i]));
            }
        });
        var all = got.SelectMany(x => x).ToArray();
        Assert.Equal(all.Length, all.Distinct().Count()); // no PASID handed out twice
        Assert.Equal(20000, ida.Allocated);
    }
}

using Emulator.Core.Memory;

namespace Emulator.Tests.Memory;

public class PhysicalMemoryTests
{
    [Fact]
    public void Ram_is_sparse_and_untouched_memory_reads_zero_without_host_memory()
    {
        var mem = new PhysicalMemory(8UL << 30);
        Assert.True(mem.TryReadU64(5UL << 30, out ulong v));
        var buf = new byte[16];
        Assert.True(mem.TryRead(7UL << 30, buf));

        Assert.Equal(0UL, v); // never-written RAM reads as zero
        Assert.All(buf, b => Assert.Equal(0, b));
        Assert.Equal(0UL, mem.ResidentBytes); // and reading it cost nothing
        mem.WriteU64(5UL << 30, 42);
        Assert.Equal(2UL << 20, mem.ResidentBytes); // one 2 MiB chunk after the first write
    }

    [Fact]
    public void Accesses_outside_ram_are_values_not_exceptions()
    {
        var mem = new PhysicalMemory(1UL << 20);
        Assert.False(mem.TryReadU64(1UL << 20, out _)); // just past the end
        Assert.False(mem.TryWriteU64(ulong.MaxValue & ~7UL, 1));
        Assert.False(mem.TryReadU64(8 + 4, out _)); // misaligned word
        Assert.False(mem.TryRead((1UL << 20) - 4, new byte[8])); // straddles the end: nothing copied
        Assert.False(mem.TryWrite(ulong.MaxValue - 2, new byte[8])); // would wrap
    }

    [Fact]
    public void Byte_copies_cross_chunk_boundaries()
    {
        var mem = new PhysicalMemory(8UL << 20);
        var data = new byte[64];
        new Random(3).NextBytes(data);
        ulong pa = (2UL << 20) - 32; // straddles the first 2 MiB chunk boundary
        Assert.True(mem.TryWrite(pa, data));
        var back = new byte[64];
        Assert.True(mem.TryRead(pa, back));
        Assert.Equal(data, back);
    }

    [Fact]
    public void Word_atomics_return_the_previous_value()
    {
        var mem = new PhysicalMemory(1UL << 20);
        mem.WriteU64(0x1000, 5);
        Assert.Equal(5UL, mem.CompareExchangeU64(0x1000, 7, 5)); // matched: swapped
        Assert.Equal(7UL, mem.CompareExchangeU64(0x1000, 9, 5)); // mismatched: unchanged
        Assert.Equal(7UL, mem.ExchangeU64(0x1000, 0));
        Assert.Equal(0UL, mem.ReadU64(0x1000));
    }

    [Theory]
    [InlineData(0UL)]
    [InlineData(4095UL)]
    [InlineData(PhysicalMemory.MaxRamSize + 4096)]
    public void Bad_ram_sizes_are_refused(ulong size) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new PhysicalMemory(size));
}

public class FrameAllocatorTests
{
    [Fact]
    public void Frames_come_zeroed_with_one_reference_and_frame_zero_is_never_used()
    {
        var frames = new FrameAllocator(new PhysicalMemory(1UL << 20));
        Assert.True(frames.TryAllocate(out ulong pfn));
        frames.Memory.Frame(pfn).Fill(0xAA);
        frames.Put(pfn);
        Assert.True(frames.TryAllocate(out ulong again));

        Assert.NotEqual(0UL, pfn); // a zero PFN in a page table is always a bug
        Assert.Equal(pfn, again); // recycled
        Assert.Equal(1, frames.RefCount(again));
        Assert.All(frames.Memory.Frame(again).ToArray(), b => Assert.Equal(0, b)); // zeroed on allocation
    }

    [Fact]
    public void Generation_advances_on_free_so_a_remembered_translation_can_be_proven_stale()
    {
        var frames = new FrameAllocator(new PhysicalMemory(1UL << 20));
        frames.TryAllocate(out ulong pfn);
        uint gen = frames.Generation(pfn);
        frames.Get(pfn);

        Assert.False(frames.Put(pfn)); // one reference left: not freed
        Assert.True(frames.IsLive(pfn, gen));
        Assert.True(frames.Put(pfn)); // last reference: freed
        Assert.False(frames.IsLive(pfn, gen)); // the remembered (pfn, generation) is now stale
        frames.TryAllocate(out ulong reused);
        Assert.Equal(pfn, reused);
        Assert.False(frames.IsLive(pfn, gen)); // still stale after reuse: the generation differs
        Assert.NotEqual(gen, frames.Generation(pfn));
    }

    [Fact]
    public void Exhaustion_is_a_value_and_freeing_makes_room_again()
    {
        var frames = new FrameAllocator(new PhysicalMemory(16 * 4096UL));
        var got = new List<ulong>();
        while (frames.TryAllocate(out ulong p))
        {
            got.Add(p);
        }
        Assert.Equal(15, got.Count); // 16 frames minus the reserved frame 0
        Assert.Equal(0, frames.FreeFrames);
        frames.Put(got[3]);
        Assert.True(frames.TryAllocate(out _));
    }

    [Fact]
    public void Double_free_and_get_on_a_free_frame_are_bugs_that_throw()
    {
        var frames = new FrameAllocator(new PhysicalMemory(1UL << 20));
        frames.TryAllocate(out ulong pfn);
        frames.Put(pfn);
        Assert.Throws<InvalidOperationException>(() => frames.Put(pfn));
        Assert.Throws<InvalidOperationException>(() => frames.Get(pfn));
    }
}

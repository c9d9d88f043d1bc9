using Emulator.Core.Memory;

namespace Emulator.Tests.Memory;

/// <summary><see cref="FrameAllocator.TryAllocateContiguous"/>: runs of frames for device tables.</summary>
public sealed class ContiguousFrameTests
{
    private const ulong FrameSize = 4096;

    [Fact]
    public void A_run_is_aligned_contiguous_and_each_frame_has_one_reference()
    {
        var frames = new FrameAllocator(new PhysicalMemory(64 * FrameSize));
        Assert.True(frames.TryAllocate(out _));                           // bump pointer now at 2: misaligned for 16

        Assert.True(frames.TryAllocateContiguous(16, 16, out ulong first));

        Assert.Equal(0UL, first % 16);                                    // aligned to 16 frames (64 KiB)
        Assert.NotEqual(0UL, first);                                      // frame 0 is never handed out
        for (ulong pfn = first; pfn < first + 16; pfn++)
        {
            Assert.Equal(1, frames.RefCount(pfn));                        // every frame of the run is allocated once
        }
        Assert.Equal(17, frames.AllocatedFrames);
        Assert.True(frames.TryAllocate(out ulong gap));
        Assert.True(gap > 1 && gap < first);                              // the frames skipped for alignment stay usable
    }

    [Fact]
    public void A_run_is_zeroed_even_when_it_reuses_dirty_freed_frames()
    {
        var memory = new PhysicalMemory(8 * FrameSize);
        var frames = new FrameAllocator(memory);
        var taken = new List<ulong>();
        while (frames.TryAllocate(out ulong pfn))
        {
            memory.Frame(pfn).Fill(0xA5);
            taken.Add(pfn);
        }
        foreach (ulong pfn in taken)
        {
            Assert.True(frames.Put(pfn));
        }

        Assert.True(frames.TryAllocateContiguous(4, 4, out ulong first)); // only the free list can serve it

        Assert.Equal(4UL, first);                                         // [4, 8): the only aligned run of 4 (0 is reserved)
        for (ulong pfn = first; pfn < first + 4; pfn++)
        {
            Assert.True(memory.Frame(pfn).IndexOfAnyExcept((byte)0) < 0); // the 0xA5 pattern was cleared
        }
    }

    [Fact]
    public void Exhaustion_and_fragmentation_return_false_without_taking_anything()
    {
        var frames = new FrameAllocator(new PhysicalMemory(16 * FrameSize));
        Assert.False(frames.TryAllocateContiguous(16, 1, out ulong none)); // 15 allocatable frames: 16 cannot fit
        Assert.Equal(0UL, none);
        Assert.Equal(0, frames.AllocatedFrames);

        var taken = new List<ulong>();
        while (frames.TryAllocate(out ulong pfn))
        {
            taken.Add(pfn);
        }
        for (int i = 0; i < taken.Count; i += 2)
        {
            frames.Put(taken[i]);                                         // every other frame free: no run of 2
        }
        long allocated = frames.AllocatedFrames;
        long free = frames.FreeFrames;

        Assert.False(frames.TryAllocateContiguous(2, 1, out _));
        Assert.Equal(allocated, frames.AllocatedFrames);                  // a failure takes nothing
        Assert.True(frames.TryAllocateContiguous(1, 1, out _));           // a single frame still comes from the free list
        Assert.Equal(free - 1, frames.FreeFrames);
    }

    [Fact]
    public void Frames_of_a_run_freed_one_by_one_are_allocatable_again()
    {
        var frames = new FrameAllocator(new PhysicalMemory(16 * FrameSize));
        Assert.True(frames.TryAllocateContiguous(8, 8, out ulong first));
        uint generation = frames.Generation(first + 3);

        for (ulong pfn = first; pfn < first + 8; pfn++)
        {
            Assert.True(frames.Put(pfn));                                 // each frame is freed on its own
        }
        Assert.Equal(0, frames.AllocatedFrames);
        Assert.NotEqual(generation, frames.Generation(first + 3));        // a freed frame starts a new lifetime

        var again = new HashSet<ulong>();
        while (frames.TryAllocate(out ulong pfn))
        {
            again.Add(pfn);
        }
        for (ulong pfn = first; pfn < first + 8; pfn++)
        {
            Assert.Contains(pfn, again);                                  // single-frame allocation hands them out
        }
        foreach (ulong pfn in again)
        {
            frames.Put(pfn);
        }
        Assert.True(frames.TryAllocateContiguous(8, 8, out ulong reused)); // and they form a run again
        Assert.Equal(first, reused);
    }

    [Fact]
    public void Bad_arguments_are_emulator_bugs()
    {
        var frames = new FrameAllocator(new PhysicalMemory(16 * FrameSize));
        Assert.Throws<ArgumentOutOfRangeException>(() => frames.TryAllocateContiguous(0, 1, out _));
        Assert.Throws<ArgumentOutOfRangeException>(() => frames.TryAllocateContiguous(2, 3, out _));
    }
}

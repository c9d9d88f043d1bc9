using System.Diagnostics;

namespace Emulator.Core.Memory;

/// <summary>
/// Hands out 4 KiB frames of <see cref="PhysicalMemory"/> with reference counts and a per-frame
/// generation number.
/// </summary>
/// <remarks>
/// The generation changes every time a frame is freed, so a (pfn, generation) pair names one
/// lifetime of a frame: a translation cached by a device remembers the pair, and the coherence oracle
/// proves a later access stale when the generations differ. Frame 0 is never handed out, so a zero
/// PFN in a page table is always a bug that shows.
/// Running out of frames is a value (<see cref="TryAllocate"/> returns false), which the mm turns
/// into ENOMEM. Freeing a free frame is an emulator bug and throws.
/// Thread-safe: reference counts are atomic; the free list is guarded by <see cref="_lock"/>.
/// </remarks>
public sealed class FrameAllocator
{
    private readonly PhysicalMemory _memory;
    private readonly int[] _refCount;
    private readonly uint[] _generation;

    /// <summary>Guards <see cref="_free"/>, <see cref="_freeCount"/> and <see cref="_nextNeverUsed"/>. Leaf lock: nothing is taken inside it.</summary>
    private readonly Lock _lock = new();
    private uint[] _free = new uint[1024];
    private int _freeCount;
    private ulong _nextNeverUsed = 1;
    private long _allocated;

    public FrameAllocator(PhysicalMemory memory)
    {
        _memory = memory;
        _refCount = new int[memory.FrameCount];
        _generation = new uint[memory.FrameCount];
    }

    public PhysicalMemory Memory => _memory;

    /// <summary>Frames currently allocated (reference count above zero).</summary>
    public long AllocatedFrames => Volatile.Read(ref _allocated);

    /// <summary>Frames that can still be allocated.</summary>
    public long FreeFrames => (long)_memory.FrameCount - 1 - AllocatedFrames;

    /// <summary>Allocates a zeroed frame with reference count 1.</summary>
    /// <returns>false when RAM is exhausted.</returns>
    public bool TryAllocate(out ulong pfn)
    {
        lock (_lock)
        {
            if (_freeCount > 0)
            {
                pfn = _free[--_freeCount];
            }
            else if (_nextNeverUsed < _memory.FrameCount)
            {
                pfn = _nextNeverUsed++;
            }
            else
            {
                pfn = 0;
                return false;
            }
        }
        Debug.Assert(_refCount[pfn] == 0, "allocated a frame that is in use");
        _memory.Frame(pfn).Clear();
        Volatile.Write(ref _refCount[pfn], 1);
        Interlocked.Increment(ref _allocated);
        return true;
    }

    /// <summary>Takes another reference on an allocated frame.</summary>
    /// <exception cref="InvalidOperationException">The frame is free (an emulator bug).</exception>
    public void Get(ulong pfn)
    {
        int n = Interlocked.Increment(ref _refCount[pfn]);
        if (n <= 1)
        {
            throw new InvalidOperationException($"reference taken on free frame {pfn:x}");
        }
    }

    /// <summary>Drops a reference; the frame is freed, and its generation advanced, when the count reaches zero.</summary>
    /// <returns>true when this call freed the frame.</returns>
    /// <exception cref="InvalidOperationException">The frame was already free (an emulator bug).</exception>
    public bool Put(ulong pfn)
    {
        int n = Interlocked.Decrement(ref _refCount[pfn]);
        if (n > 0)
        {
            return false;
        }
        if (n < 0)
        {
            throw new InvalidOperationException($"frame {pfn:x} freed twice");
        }
        unchecked { Interlocked.Increment(ref Unsafe_AsInt(ref _generation[pfn])); }
        Interlocked.Decrement(ref _allocated);
        lock (_lock)
        {
            if (_freeCount == _free.Length)
            {
                Array.Resize(ref _free, _free.Length * 2);
            }
            _free[_freeCount++] = (uint)pfn;
        }
        return true;
    }

    /// <summary>Current reference count of a frame (0 when free).</summary>
    public int RefCount(ulong pfn) => Volatile.Read(ref _refCount[pfn]);

    /// <summary>Current generation of a frame; it changes each time the frame is freed.</summary>
    public uint Generation(ulong pfn) => Volatile.Read(ref _generation[pfn]);

    /// <summary>True when the frame is allocated and still in the generation given.</summary>
    public bool IsLive(ulong pfn, uint generation) =>
        pfn < _memory.FrameCount && RefCount(pfn) > 0 && Generation(pfn) == generation;

    private static ref int Unsafe_AsInt(ref uint value) => ref System.Runtime.CompilerServices.Unsafe.As<uint, int>(ref value);
}

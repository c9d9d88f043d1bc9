using System.Diagnostics;
using System.Numerics;

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
/// <see cref="TryAllocateContiguous"/> serves device tables that need physically contiguous,
/// size-aligned memory (Linux <c>dmam_alloc_coherent</c>); its frames are ordinary frames afterwards.
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

    /// <summary>
    /// Allocates <paramref name="count"/> physically contiguous, zeroed frames, each with reference count 1,
    /// the first aligned to <paramref name="alignFrames"/> frames.
    /// </summary>
    /// <param name="count">Frames wanted, at least 1.</param>
    /// <param name="alignFrames">Alignment of the first frame in frames: a power of two (1 = none).</param>
    /// <param name="firstPfn">The first frame of the run; 0 on failure.</param>
    /// <returns>false when no such run exists (the caller's ENOMEM).</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="count"/> below 1 or
    /// <paramref name="alignFrames"/> not a power of two.</exception>
    /// <remarks>
    /// <para>Meant for device tables (SMMU queues, stream and CD tables) set up early or rarely, not for
    /// hot paths: the run comes from the never-used region above the bump pointer when it fits there
    /// (frames skipped for alignment go to the free list), otherwise from a scan of the free list under
    /// <see cref="_lock"/>, which costs O(frames) time and a temporary O(frames) bitmap. Fragmented RAM
    /// can make it fail while <see cref="FreeFrames"/> is still large.</para>
    /// <para>There is no matching bulk free: each frame is released on its own with <see cref="Put"/>, and
    /// frames can be shared (<see cref="Get"/>) like any other.</para>
    /// </remarks>
    public bool TryAllocateContiguous(int count, int alignFrames, out ulong firstPfn)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        if (alignFrames < 1 || !BitOperations.IsPow2(alignFrames))
        {
            throw new ArgumentOutOfRangeException(nameof(alignFrames), alignFrames, "must be a power of two");
        }
        lock (_lock)
        {
            if (!TryTakeNeverUsedRun((ulong)count, (ulong)alignFrames, out firstPfn)
                && !TryTakeScannedRun((ulong)count, (ulong)alignFrames, out firstPfn))
            {
                firstPfn = 0;
                return false;
            }
        }
        for (ulong pfn = firstPfn; pfn < firstPfn + (ulong)count; pfn++)
        {
            Debug.Assert(_refCount[pfn] == 0, "allocated a frame that is in use");
            _memory.Frame(pfn).Clear();
            Volatile.Write(ref _refCount[pfn], 1);
        }
        Interlocked.Add(ref _allocated, count);
        return true;
    }

    /// <summary>A run at or above the bump pointer; frames skipped to align it are put on the free list.</summary>
    private bool TryTakeNeverUsedRun(ulong count, ulong align, out ulong first)
    {
        Debug.Assert(_lock.IsHeldByCurrentThread);
        first = AlignUp(_nextNeverUsed, align);
        if (first + count > _memory.FrameCount)
        {
            return false;
        }
        for (ulong pfn = _nextNeverUsed; pfn < first; pfn++)
        {
            PushFree(pfn);
        }
        _nextNeverUsed = first + count;
        return true;
    }

    /// <summary>A run of frames that are each on the free list or never used (the run may cross the bump
    /// pointer); taken frames are removed from the free list.</summary>
    /// <remarks>A frame whose count <see cref="Put"/> has dropped to zero but which is not yet on the free
    /// list is treated as in use: the scan sees only what the lock protects.</remarks>
    private bool TryTakeScannedRun(ulong count, ulong align, out ulong first)
    {
        Debug.Assert(_lock.IsHeldByCurrentThread);
        ulong frames = _memory.FrameCount;
        var onFreeList = new bool[_nextNeverUsed];
        for (int i = 0; i < _freeCount; i++)
        {
            onFreeList[_free[i]] = true;
        }
        first = AlignUp(1, align);      // frame 0 is never handed out
        while (first + count <= frames)
        {
            ulong pfn = first;
            while (pfn < first + count && (pfn >= _nextNeverUsed || onFreeList[pfn]))
            {
                pfn++;
            }
            if (pfn == first + count)
            {
                int kept = 0;
                for (int i = 0; i < _freeCount; i++)
                {
                    if (_free[i] < first || _free[i] >= first + count)
                    {
                        _free[kept++] = _free[i];
                    }
                }
                _freeCount = kept;
                _nextNeverUsed = Math.Max(_nextNeverUsed, first + count);
                return true;
            }
            first = AlignUp(pfn + 1, align);
        }
        first = 0;
        return false;
    }

    private static ulong AlignUp(ulong value, ulong align) => (value + align - 1) & ~(align - 1);

    private void PushFree(ulong pfn)
    {
        Debug.Assert(_lock.IsHeldByCurrentThread);
        if (_freeCount == _free.Length)
        {
            Array.Resize(ref _free, _free.Length * 2);
        }
        _free[_freeCount++] = (uint)pfn;
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
            PushFree(pfn);
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

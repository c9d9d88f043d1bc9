using Emulator.Core.Memory;
using Emulator.Core.Threading;

namespace Emulator.Core.Mm;

/// <summary>
/// The memory behind a MAP_SHARED anonymous mapping (Linux shmem): pages indexed by page offset,
/// shared by every VMA — in every forked mm — that maps it.
/// </summary>
/// <remarks>
/// The object holds one frame reference per page it owns; each page-table entry mapping a page holds
/// another. The object lives while a VMA refers to it (<see cref="_mappers"/>); the last VMA to go
/// drops the object's references. DONTNEED on a shared mapping drops only the mappings, so the data
/// survives, as with Linux shmem.
/// </remarks>
public sealed class SharedMemoryObject
{
    private readonly FrameAllocator _frames;

    /// <summary>Guards <see cref="_pages"/> and <see cref="_mappers"/>. Ranked after the mmap lock:
    /// two mms that share the object fault into it under their own mmap locks.</summary>
    private readonly OrderedLock _lock = new(LockRank.SharedObject, "shmem");
    private readonly Dictionary<ulong, ulong> _pages = [];
    private int _mappers;

    internal SharedMemoryObject(FrameAllocator frames) => _frames = frames;

    /// <summary>
    /// An object that outlives its mappings: the storage of a tmpfs file or memfd, which holds it (one
    /// reference, dropped with <see cref="Release"/>) and reads and writes its pages directly
    /// (<see cref="PageMemory"/>) while mms map it with <see cref="AddressSpace.MmapShared"/>.
    /// </summary>
    public static SharedMemoryObject CreateHeld(FrameAllocator frames)
    {
        ArgumentNullException.ThrowIfNull(frames);
        var obj = new SharedMemoryObject(frames);
        obj.AddMapper();
        return obj;
    }

    /// <summary>The holder of a <see cref="CreateHeld"/> object lets go; the pages go with the last mapping.</summary>
    public void Release() => RemoveMapper();

    /// <summary>One more hold on a live object (released with <see cref="Release"/>): keeps it while
    /// the holder maps it again.</summary>
    public void Hold() => AddMapper();

    /// <summary>Called with the frame of a page after the holder wrote it through <see cref="PageMemory"/>
    /// (the kernel drops decoded instructions of such frames: a JIT may map the file executable).</summary>
    public Action<ulong>? PageWritten { get; set; }

    /// <summary>
    /// The host memory of page <paramref name="pgoff"/>: the holder's way to read and write the object's
    /// contents. Allocates a zeroed frame when <paramref name="allocate"/> and the page has none.
    /// </summary>
    /// <returns>The page's 4 KiB, or an empty span (no such page, or no frame left).</returns>
    public Span<byte> PageMemory(ulong pgoff, bool allocate, out ulong pfn)
    {
        using (_lock.Enter())
        {
            if (!_pages.TryGetValue(pgoff, out pfn))
            {
                if (!allocate || !_frames.TryAllocate(out pfn))
                {
                    pfn = 0;
                    return default;
                }
                _pages[pgoff] = pfn;
            }
        }
        return _frames.Memory.Frame(pfn);
    }

    /// <summary>Drops the object's pages from <paramref name="firstPgoff"/> on (a truncation); mappings
    /// still referring to them keep their frames until they are unmapped.</summary>
    public void DropPagesFrom(ulong firstPgoff)
    {
        using (_lock.Enter())
        {
            List<ulong>? gone = null;
            foreach (var (pgoff, pfn) in _pages)
            {
                if (pgoff >= firstPgoff)
                {
                    (gone ??= []).Add(pgoff);
                    _frames.Put(pfn);
                }
            }
            if (gone is not null)
            {
                foreach (var pgoff in gone)
                {
                    _pages.Remove(pgoff);
                }
            }
        }
    }

    /// <summary>Pages currently resident in the object.</summary>
    public int ResidentPages
    {
        get
        {
            using (_lock.Enter())
            {
                return _pages.Count;
            }
        }
    }

    /// <summary>Returns the frame of page <paramref name="pgoff"/>, allocating a zeroed one on first
    /// use, with a reference taken for the caller's mapping.</summary>
    internal bool TryGetPage(ulong pgoff, out ulong pfn)
    {
        using (_lock.Enter())
        {
            if (!_pages.TryGetValue(pgoff, out pfn))
            {
                if (!_frames.TryAllocate(out pfn))
                {
                    return false;
                }
                _pages[pgoff] = pfn;
            }
            _frames.Get(pfn);
            return true;
        }
    }

    internal void AddMapper()
    {
        using (_lock.Enter())
        {
            _mappers++;
        }
    }

    /// <summary>
    /// Called once, when the last mapping (and holder) lets go, with every page the object holds
    /// (page offset and frame), before the frames are freed: a host file's mapping writes its pages
    /// back here (munmap, exit). Runs under the object's lock; it must not call back into the object.
    /// </summary>
    public Action<KeyValuePair<ulong, ulong>[]>? LastUnmapped { get; set; }

    /// <summary>The pages the object holds now: (page offset, frame) pairs, in no particular order.</summary>
    public KeyValuePair<ulong, ulong>[] SnapshotPages()
    {
        using (_lock.Enter())
        {
            return [.. _pages];
        }
    }

    /// <summary>Drops a VMA's reference; the last one frees the object's pages.</summary>
    internal void RemoveMapper()
    {
        using (_lock.Enter())
        {
            if (--_mappers > 0)
            {
                return;
            }
            LastUnmapped?.Invoke([.. _pages]);
            LastUnmapped = null;
            foreach (var pfn in _pages.Values)
            {
                _frames.Put(pfn);
            }
            _pages.Clear();
        }
    }
}

using Emulator.Core.Memory;
using Emulator.Core.Mm;

namespace Emulator.Core.Kernel.Fs;

/// <summary>
/// A host file mapped MAP_SHARED: its pages live in a <see cref="SharedMemoryObject"/> in guest RAM
/// (the page cache of this model), shared by every mapping of the file in every process, and are
/// written back to the host file — the bytes inside the file's current size — on msync, fsync, a
/// read of the file through any descriptor, and when the last mapping goes (munmap, exit).
/// </summary>
/// <remarks>
/// <para>Coherence with read/write, as Linux's unified page cache gives it: a read of the file
/// (<see cref="HostFile"/>) first writes the mapped pages back, so it sees the guest's stores; a
/// write or truncate through a descriptor re-reads the resident pages afterwards, so the mappings see
/// it. Another host process sees the guest's stores at the next write-back.</para>
/// <para>Pages are read from the host when mapped (as MAP_PRIVATE's view is); a page past the end of
/// the file reads as zeros and is never written back (Linux would raise SIGBUS for an access past
/// the last page; here it is memory the file does not keep). The object is written back only when
/// some mapping could write it (the description was open for writing: VM_MAYWRITE).</para>
/// </remarks>
internal sealed class HostSharedFile
{
    private const int PageSize = 4096;

    private readonly HostSharedFiles _registry;
    private readonly FrameAllocator _frames;
    private int _fd;
    private bool _writable;

    private HostSharedFile(HostSharedFiles registry, (uint, uint, ulong) key, SharedMemoryObject obj, FrameAllocator frames, int fd, bool writable)
    {
        _registry = registry;
        Key = key;
        Object = obj;
        _frames = frames;
        _fd = fd;
        _writable = writable;
        obj.LastUnmapped = LastUnmapped;
    }

    /// <summary>The host file's (device major, minor, inode).</summary>
    public (uint, uint, ulong) Key { get; }

    /// <summary>The pages.</summary>
    public SharedMemoryObject Object { get; }

    /// <summary>A new object for the file open as <paramref name="hostFd"/>, held once (the caller maps
    /// it, then lets go of the hold); null with the error when the descriptor cannot be duplicated.</summary>
    internal static HostSharedFile? Create(HostSharedFiles registry, (uint, uint, ulong) key, FrameAllocator frames, int hostFd, bool writable, out Errno err)
    {
        int fd = HostLibc.Dup(hostFd, out err);
        if (fd < 0)
        {
            return null;
        }
        return new HostSharedFile(registry, key, SharedMemoryObject.CreateHeld(frames), frames, fd, writable);
    }

    /// <summary>Another description maps the file: when it was opened for writing and this object's
    /// descriptor was not, write-back switches to a duplicate of it.</summary>
    internal Errno Admit(int hostFd, bool writable)
    {
        if (!writable || _writable)
        {
            return Errno.Ok;
        }
        int fd = HostLibc.Dup(hostFd, out Errno err);
        if (fd < 0)
        {
            return err;
        }
        HostLibc.Close(_fd);
        _fd = fd;
        _writable = true;
        return Errno.Ok;
    }

    /// <summary>Reads pages [<paramref name="firstPgoff"/>, + <paramref name="count"/>) that are not
    /// resident from the host file (zeros past its end).</summary>
    /// <returns>Ok, ENOMEM when guest RAM ran out, or the host's read error.</returns>
    public Errno Populate(ulong firstPgoff, ulong count)
    {
        if (HostLibc.Fstat(_fd, out FileStat st) is var serr && serr != Errno.Ok)
        {
            return serr;
        }
        ulong filePages = ((ulong)Math.Max(0, st.Size) + PageSize - 1) / PageSize;
        ulong end = Math.Min(firstPgoff + count, filePages);
        for (ulong pgoff = firstPgoff; pgoff < end; pgoff++)
        {
            if (!Object.PageMemory(pgoff, allocate: false, out _).IsEmpty)
            {
                continue;
            }
            Span<byte> page = Object.PageMemory(pgoff, allocate: true, out _);
            if (page.IsEmpty)
            {
                return Errno.ENOMEM;
            }
            if (ReadPage(pgoff, page) is var rerr && rerr != Errno.Ok)
            {
                return rerr;
            }
        }
        return Errno.Ok;
    }

    /// <summary>Writes every resident page back, the bytes inside the file's current size.</summary>
    public Errno WriteBack() => _writable ? WriteBack(Object.SnapshotPages()) : Errno.Ok;

    /// <summary>Re-reads every resident page from the host: after a write or truncate through a
    /// descriptor, so the mappings see it.</summary>
    public void Refresh()
    {
        foreach (var (pgoff, pfn) in Object.SnapshotPages())
        {
            ReadPage(pgoff, _frames.Memory.Frame(pfn));
        }
    }

    private Errno ReadPage(ulong pgoff, Span<byte> page)
    {
        int filled = 0;
        while (filled < PageSize)
        {
            long n = HostLibc.PRead(_fd, page[filled..], (long)pgoff * PageSize + filled);
            if (n < 0)
            {
                return (Errno)(int)-n;
            }
            if (n == 0)
            {
                break;
            }
            filled += (int)n;
        }
        page[filled..].Clear();
        return Errno.Ok;
    }

    private Errno WriteBack(KeyValuePair<ulong, ulong>[] pages)
    {
        if (!_writable || pages.Length == 0)
        {
            return Errno.Ok;
        }
        if (HostLibc.Fstat(_fd, out FileStat st) is var serr && serr != Errno.Ok)
        {
            return serr;
        }
        Errno first = Errno.Ok;
        foreach (var (pgoff, pfn) in pages)
        {
            long offset = (long)pgoff * PageSize;
            if (offset >= st.Size)
            {
                continue;
            }
            int length = (int)Math.Min(PageSize, st.Size - offset);
            ReadOnlySpan<byte> bytes = _frames.Memory.Frame(pfn)[..length];
            for (int done = 0; done < length;)
            {
                long n = HostLibc.PWrite(_fd, bytes[done..], offset + done);
                if (n <= 0)
                {
                    if (first == Errno.Ok)
                    {
                        first = n < 0 ? (Errno)(int)-n : Errno.EIO;
                    }
                    break;
                }
                done += (int)n;
            }
        }
        return first;
    }

    /// <summary>The last mapping went: write back, leave the registry, close the descriptor.</summary>
    private void LastUnmapped(KeyValuePair<ulong, ulong>[] pages)
    {
        WriteBack(pages);
        _registry.Forget(this);
        HostLibc.Close(_fd);
    }
}

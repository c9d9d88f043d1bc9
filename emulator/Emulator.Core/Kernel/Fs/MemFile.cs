using Emulator.Core.Memory;
using Emulator.Core.Mm;

namespace Emulator.Core.Kernel.Fs;

/// <summary>
/// An in-memory regular file (tmpfs-like): an overlay file after copy-up or creation, or a memfd.
/// Contents are sparse 4 KiB pages allocated on first write and charged to the <see cref="MemoryBudget"/>.
/// </summary>
/// <remarks>
/// <para>Contents, size and seals are guarded by <see cref="MemNode.Sync"/>. The pages are released
/// when the file has no name left and no open description (<see cref="Retain"/>/<see cref="ReleaseOpen"/>).</para>
/// <para>Once the file is mapped MAP_SHARED (<see cref="ShareWith"/>), its contents move into a
/// <see cref="SharedMemoryObject"/> in guest RAM, so every mapping and every read and write see the same
/// frames; from then on the pages are RAM frames, not charged to the budget.</para>
/// <para>Seals (F_ADD_SEALS, memfd only): F_SEAL_WRITE/FUTURE_WRITE refuse writes, F_SEAL_GROW and
/// F_SEAL_SHRINK size changes, F_SEAL_SEAL further seals (include/uapi/linux/fcntl.h, mm/memfd.c).</para>
/// </remarks>
internal sealed class MemFile : MemNode
{
    private const int PageSize = 4096;
    private readonly Dictionary<long, byte[]> _pages = [];

    /// <summary>The contents once the file was mapped shared (then <see cref="_pages"/> is empty).</summary>
    private SharedMemoryObject? _shared;
    private long _size;
    private int _opens;
    private bool _freed;

    public MemFile(MemoryFs fs, uint mode, uint uid, uint gid, long nowNs, bool sealable = false)
        : base(fs, FsAbi.SIfreg | (mode & 0xfff), uid, gid, nowNs) =>
        Seals = sealable ? 0 : FsAbi.FSealSeal;

    /// <summary>The memfd name shown in /proc/self/fd (<c>/memfd:NAME (deleted)</c>), or null.</summary>
    public string? MemfdName { get; init; }

    /// <summary>F_SEAL_* in force (F_SEAL_SEAL alone for a file that was never sealable).</summary>
    public int Seals { get; private set; }

    public long Size
    {
        get
        {
            using (Sync.EnterScope())
            {
                return _size;
            }
        }
    }

    protected override void FillSizeLocked(ref FileStat stat)
    {
        stat.Size = _size;
        stat.Blocks = (_shared?.ResidentPages ?? _pages.Count) * (PageSize / 512);
    }

    public void Retain()
    {
        using (Sync.EnterScope())
        {
            _opens++;
        }
    }

    public void ReleaseOpen() => ReleaseIfUnused(-1);

    /// <summary>A name was removed; the pages go when the last name and the last open are gone.</summary>
    public void Unlinked() => ReleaseIfUnused(0);

    private void ReleaseIfUnused(int openDelta)
    {
        long freed = 0;
        using (Sync.EnterScope())
        {
            _opens += openDelta;
            if (_opens > 0 || Nlink > 0 || _freed)
            {
                return;
            }
            _freed = true;
            freed = (long)_pages.Count * PageSize;
            _pages.Clear();
            _shared?.Release();
        }
        Fs.Budget.Release(freed);
    }

    /// <summary>
    /// The shared object that holds the contents from now on (made on the first call, with the pages
    /// copied into frames of <paramref name="frames"/>): what mmap(MAP_SHARED) maps.
    /// </summary>
    /// <returns>The object, or null when guest RAM has no frame left for the contents.</returns>
    public SharedMemoryObject? ShareWith(FrameAllocator frames)
    {
        ArgumentNullException.ThrowIfNull(frames);
        long released;
        using (Sync.EnterScope())
        {
            if (_shared is not null)
            {
                return _shared;
            }
            var obj = SharedMemoryObject.CreateHeld(frames);
            foreach (var (index, page) in _pages)
            {
                var frame = obj.PageMemory((ulong)index, allocate: true, out _);
                if (frame.IsEmpty)
                {
                    obj.Release();
                    return null;
                }
                page.CopyTo(frame);
            }
            released = (long)_pages.Count * PageSize;
            _pages.Clear();
            _shared = obj;
        }
        Fs.Budget.Release(released);
        return _shared;
    }

    /// <summary>The storage of page <paramref name="index"/>; empty when it has none (reads as zeros)
    /// and <paramref name="allocate"/> is false or memory ran out. Caller holds <see cref="MemNode.Sync"/>.</summary>
    private Span<byte> PageLocked(long index, bool allocate)
    {
        if (_shared is not null)
        {
            var frame = _shared.PageMemory((ulong)index, allocate, out ulong pfn);
            if (allocate && !frame.IsEmpty)
            {
                _shared.PageWritten?.Invoke(pfn);
            }
            return frame;
        }
        if (_pages.TryGetValue(index, out var page))
        {
            return page;
        }
        if (!allocate || !Fs.Budget.TryReserve(PageSize))
        {
            return default;
        }
        page = new byte[PageSize];
        _pages[index] = page;
        return page;
    }

    /// <summary>Reads at <paramref name="offset"/>: bytes read (0 at or past the end).</summary>
    public int Read(long offset, Span<byte> destination)
    {
        using (Sync.EnterScope())
        {
            if (offset >= _size || offset < 0)
            {
                return 0;
            }
            int n = (int)Math.Min(destination.Length, _size - offset);
            int done = 0;
            while (done < n)
            {
                long pos = offset + done;
                int inPage = (int)(pos % PageSize);
                int chunk = Math.Min(n - done, PageSize - inPage);
                var page = PageLocked(pos / PageSize, allocate: false);
                if (!page.IsEmpty)
                {
                    page.Slice(inPage, chunk).CopyTo(destination.Slice(done, chunk));
                }
                else
                {
                    destination.Slice(done, chunk).Clear();
                }
                done += chunk;
            }
            return n;
        }
    }

    /// <summary>Writes at <paramref name="offset"/> (at the end when <paramref name="append"/>).</summary>
    /// <returns>Bytes written (fewer when the budget ran out part-way), or -EPERM (sealed), -ENOSPC, -EFBIG.</returns>
    public long Write(long offset, ReadOnlySpan<byte> source, bool append, long nowNs, out long end)
    {
        using (Sync.EnterScope())
        {
            end = offset;
            if ((Seals & (FsAbi.FSealWrite | FsAbi.FSealFutureWrite)) != 0)
            {
                return KernelErrno.Return(Errno.EPERM);
            }
            if (append)
            {
                offset = _size;
            }
            if (source.IsEmpty)
            {
                end = offset;
                return 0;
            }
            if (offset > long.MaxValue - source.Length)
            {
                return KernelErrno.Return(Errno.EFBIG);
            }
            if (offset + source.Length > _size && (Seals & FsAbi.FSealGrow) != 0)
            {
                return KernelErrno.Return(Errno.EPERM);
            }
            int done = 0;
            while (done < source.Length)
            {
                long pos = offset + done;
                int inPage = (int)(pos % PageSize);
                int chunk = Math.Min(source.Length - done, PageSize - inPage);
                var page = PageLocked(pos / PageSize, allocate: true);
                if (page.IsEmpty)
                {
                    break;
                }
                source.Slice(done, chunk).CopyTo(page.Slice(inPage, chunk));
                done += chunk;
            }
            if (done == 0)
            {
                return KernelErrno.Return(Errno.ENOSPC);
            }
            end = offset + done;
            _size = Math.Max(_size, end);
            TouchLocked(nowNs);
            return done;
        }
    }

    /// <summary>ftruncate/truncate: grows with zeros or drops the pages past the end.</summary>
    public Errno SetSize(long size, long nowNs)
    {
        long freed = 0;
        using (Sync.EnterScope())
        {
            if (size < 0)
            {
                return Errno.EINVAL;
            }
            if ((size > _size && (Seals & FsAbi.FSealGrow) != 0) || (size < _size && (Seals & FsAbi.FSealShrink) != 0))
            {
                return Errno.EPERM;
            }
            if (size < _size && _shared is not null)
            {
                _shared.DropPagesFrom((ulong)((size + PageSize - 1) / PageSize));
                if (size % PageSize != 0)
                {
                    var last = PageLocked(size / PageSize, allocate: false);
                    if (!last.IsEmpty)
                    {
                        last[(int)(size % PageSize)..].Clear();
                    }
                }
            }
            else if (size < _size)
            {
                long firstGone = (size + PageSize - 1) / PageSize;
                List<long>? gone = null;
                foreach (var index in _pages.Keys)
                {
                    if (index >= firstGone)
                    {
                        (gone ??= []).Add(index);
                    }
                }
                if (gone is not null)
                {
                    foreach (var index in gone)
                    {
                        _pages.Remove(index);
                    }
                    freed = (long)gone.Count * PageSize;
                }
                if (size % PageSize != 0 && _pages.TryGetValue(size / PageSize, out var last))
                {
                    last.AsSpan((int)(size % PageSize)).Clear();
                }
            }
            _size = size;
            TouchLocked(nowNs);
        }
        Fs.Budget.Release(freed);
        return Errno.Ok;
    }

    /// <summary>F_ADD_SEALS: EPERM once F_SEAL_SEAL is set.</summary>
    public Errno AddSeals(int seals)
    {
        using (Sync.EnterScope())
        {
            if ((Seals & FsAbi.FSealSeal) != 0)
            {
                return Errno.EPERM;
            }
            Seals |= seals;
            return Errno.Ok;
        }
    }

    public override Errno Open(IFileSyscallContext ctx, int flags, string path, ulong parentIno, out FileDescription? file)
    {
        file = null;
        int acc = flags & FsAbi.OAccMode;
        int mask = (acc is FsAbi.ORdOnly or FsAbi.ORdWr ? FsAbi.ROk : 0) | (acc is FsAbi.OWrOnly or FsAbi.ORdWr ? FsAbi.WOk : 0)
            | ((flags & FsAbi.OTrunc) != 0 ? FsAbi.WOk : 0);
        var err = Permission(ctx, mask);
        if (err != Errno.Ok)
        {
            return err;
        }
        if ((flags & FsAbi.OTrunc) != 0)
        {
            err = SetSize(0, ctx.RealtimeNanoseconds);
            if (err != Errno.Ok)
            {
                return err;
            }
        }
        file = new MemFileDescription(this, flags, path);
        return Errno.Ok;
    }

    public override Errno Truncate(IFileSyscallContext ctx, long length)
    {
        var err = Permission(ctx, FsAbi.WOk);
        return err != Errno.Ok ? err : SetSize(length, ctx.RealtimeNanoseconds);
    }
}

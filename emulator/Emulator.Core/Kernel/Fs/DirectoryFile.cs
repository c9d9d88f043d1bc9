using System.Buffers;

namespace Emulator.Core.Kernel.Fs;

/// <summary>
/// An open directory of any kind: getdents64 walks a snapshot of the entries taken at the first read
/// (and again after a rewind to 0), with "." and ".." first. A record's d_off is the index of the next
/// one, which is what lseek/telldir/seekdir exchange.
/// </summary>
/// <remarks>Entries added or removed after the snapshot are not seen until the next rewind, which POSIX
/// allows (readdir on a changing directory is unspecified for those names). <see cref="_entries"/> and
/// <see cref="_position"/> are guarded by <see cref="_lock"/>.</remarks>
internal sealed class DirectoryFile : FileDescription
{
    /// <summary>The most one getdents call builds; a larger count still gets this much, and the guest
    /// calls again (every libc loops until 0).</summary>
    private const int MaxBatch = 256 * 1024;

    private readonly Lock _lock = new();
    private readonly GuestFileSystem _fs;
    private readonly FsNode _node;
    private readonly ulong _parentIno;
    private List<DirEntry>? _entries;
    private long _position;

    public DirectoryFile(GuestFileSystem fs, FsNode node, int flags, string path, ulong parentIno)
        : base(flags | FsAbi.OLargefile, path)
    {
        _fs = fs;
        _node = node;
        _parentIno = parentIno;
    }

    public override bool Seekable => true;

    internal override FsNode? Node => _node;

    public override Errno Stat(out FileStat stat) => _node.GetStat(null!, out stat);

    public override Errno StatFs(out StatFs statfs) => _node.StatFs(out statfs);

    internal override long Read(IFileSyscallContext ctx, ref UserIo io) => KernelErrno.Return(Errno.EISDIR);

    internal override long ReadAt(IFileSyscallContext ctx, ref UserIo io, long offset) => KernelErrno.Return(Errno.EISDIR);

    public override Errno Sync() => Errno.Ok;

    public override long Seek(long offset, int whence)
    {
        using (_lock.EnterScope())
        {
            long target = whence switch
            {
                FsAbi.SeekSet => offset,
                FsAbi.SeekCur => _position + offset,
                _ => -1,
            };
            if (target < 0)
            {
                return KernelErrno.Return(Errno.EINVAL);
            }
            if (target == 0)
            {
                _entries = null; // rewinddir: the next read sees the directory as it is now
            }
            _position = target;
            return target;
        }
    }

    internal override long GetDents(IFileSyscallContext ctx, ulong va, int count, bool dirent64)
    {
        using (_lock.EnterScope())
        {
            if (_entries is null)
            {
                var err = Snapshot(ctx);
                if (err != Errno.Ok)
                {
                    return KernelErrno.Return(err);
                }
            }
            int size = Math.Min(count, MaxBatch);
            byte[] buffer = ArrayPool<byte>.Shared.Rent(size);
            try
            {
                int used = 0;
                long index = _position;
                while (index < _entries!.Count)
                {
                    var e = _entries[(int)index];
                    if (!DirentLayout.TryWrite(buffer.AsSpan(used, size - used), e.Ino, index + 1, e.Type, e.Name, dirent64, out int len))
                    {
                        break;
                    }
                    used += len;
                    index++;
                }
                if (used == 0)
                {
                    // Nothing fits: EINVAL when a record was waiting, 0 at the end.
                    return index < _entries.Count ? KernelErrno.Return(Errno.EINVAL) : 0;
                }
                var io = new UserIo([new IoVec(va, (ulong)used)], used);
                int copied = io.CopyOut(ctx, buffer.AsSpan(0, used));
                if (copied < used)
                {
                    // Keep only whole records; the rest is read again next time.
                    int whole = 0;
                    long i = _position;
                    while (i < index)
                    {
                        int len = DirentLayout.RecordLength(_entries[(int)i].Name.Length, dirent64);
                        if (whole + len > copied)
                        {
                            break;
                        }
                        whole += len;
                        i++;
                    }
                    _position = i;
                    return whole > 0 ? whole : KernelErrno.Return(Errno.EFAULT);
                }
                _position = index;
                return used;
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }
    }

    private Errno Snapshot(IFileSyscallContext ctx)
    {
        var entries = new List<DirEntry>();
        var err = _node.GetStat(ctx, out var self);
        if (err != Errno.Ok)
        {
            return err;
        }
        entries.Add(new DirEntry(".", self.Ino, FsAbi.DtDir));
        entries.Add(new DirEntry("..", _parentIno, FsAbi.DtDir));
        err = _fs.ListEntries(ctx, _node, entries);
        if (err != Errno.Ok)
        {
            return err;
        }
        _entries = entries;
        return Errno.Ok;
    }
}

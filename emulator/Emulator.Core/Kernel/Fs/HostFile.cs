using System.Buffers;

namespace Emulator.Core.Kernel.Fs;

/// <summary>
/// An open regular file of the host: a host descriptor whose offset is the description's offset, so
/// read, write and lseek keep Linux's exact semantics (O_APPEND atomic appends, SEEK_DATA/SEEK_HOLE,
/// the errors of lseek past the limits) because the host kernel applies them.
/// </summary>
/// <remarks>Closed (the host descriptor) on the last release. Under the overlay, host files are only
/// ever opened read-only.</remarks>
internal sealed class HostFile : FileDescription
{
    private readonly int _fd;
    private readonly HostSharedFiles? _shared;
    private FsNode _node;

    /// <param name="fd">The host descriptor (the description owns it).</param>
    /// <param name="node">The file's node.</param>
    /// <param name="flags">The guest's open flags.</param>
    /// <param name="path">The guest's path.</param>
    /// <param name="shared">The file system's MAP_SHARED host files (null under the overlay, where host
    /// files are read-only and mapped as private views).</param>
    public HostFile(int fd, HostNode node, int flags, string path, HostSharedFiles? shared = null) : base(flags | FsAbi.OLargefile, path)
    {
        _fd = fd;
        _node = node;
        _shared = shared;
    }

    /// <summary>The file's (device major, minor, inode), read once: an open descriptor's file never changes.</summary>
    private (uint, uint, ulong)? _identity;

    /// <summary>The host descriptor (for a MAP_SHARED mapping's own duplicate).</summary>
    internal int HostFd => _fd;

    /// <summary>The file's (device major, minor, inode): the key of its MAP_SHARED pages.</summary>
    internal Errno Identity(out (uint, uint, ulong) identity)
    {
        if (_identity is null)
        {
            Errno err = HostLibc.Fstat(_fd, out FileStat st);
            if (err != Errno.Ok)
            {
                identity = default;
                return err;
            }
            _identity = (st.DevMajor, st.DevMinor, st.Ino);
        }
        identity = _identity.Value;
        return Errno.Ok;
    }

    /// <summary>The registry a MAP_SHARED mapping of this file goes into, or null (overlay).</summary>
    internal HostSharedFiles? SharedFiles => _shared;

    /// <summary>When the file is mapped shared, its mapped pages reach the host before a read (so the
    /// read sees the guest's stores) or a write (so the refresh after it keeps them).</summary>
    private void WriteBackMapped()
    {
        if (_shared is { IsEmpty: false } shared)
        {
            shared.Find(this)?.WriteBack();
        }
    }

    /// <summary>After a write or truncate: the mapped pages re-read, so the mappings see it.</summary>
    private void RefreshMapped()
    {
        if (_shared is { IsEmpty: false } shared)
        {
            shared.Find(this)?.Refresh();
        }
    }

    /// <summary>Makes <paramref name="node"/> the description's node: an overlay file read from the host
    /// keeps its overlay node, so fchmod/fchown/futimens copy it up instead of reaching the host.</summary>
    internal void Rebind(FsNode node) => _node = node;

    public override bool Seekable => true;

    internal override FsNode? Node => _node;

    protected override void OnLastClose() => HostLibc.Close(_fd);

    public override Errno Stat(out FileStat stat) => HostLibc.Fstat(_fd, out stat);

    public override Errno Statx(uint mask, out FileStat stat) => HostLibc.Fstat(_fd, mask, out stat);

    public override Errno StatFs(out StatFs statfs) => HostLibc.FstatFs(_fd, out statfs);

    public override Errno SetStatusFlags(int flags)
    {
        // The host descriptor's O_APPEND is what makes appends atomic, so it follows the guest's.
        // O_NOATIME by a non-owner is the host's EPERM, as Linux answers.
        var err = HostLibc.SetFl(_fd, flags & (FsAbi.OAppend | FsAbi.ONoatime));
        return err != Errno.Ok ? err : base.SetStatusFlags(flags);
    }

    public override Errno ReadAt(long offset, Span<byte> destination, out int read)
    {
        WriteBackMapped();
        long n = HostLibc.PRead(_fd, destination, offset);
        read = n < 0 ? 0 : (int)n;
        return n < 0 ? (Errno)(int)-n : Errno.Ok;
    }

    internal override long Read(IFileSyscallContext ctx, ref UserIo io)
    {
        WriteBackMapped();
        byte[] buffer = ArrayPool<byte>.Shared.Rent(ChunkSize);
        try
        {
            long total = 0;
            while (io.Remaining > 0)
            {
                int want = (int)Math.Min(io.Remaining, ChunkSize);
                long n = HostLibc.Read(_fd, buffer.AsSpan(0, want));
                if (n < 0)
                {
                    return total > 0 ? total : n;
                }
                int copied = io.CopyOut(ctx, buffer.AsSpan(0, (int)n));
                total += copied;
                if (copied < n)
                {
                    // The guest's buffer faulted: give back what it did not receive, as Linux's f_pos
                    // advances only by the bytes copied.
                    HostLibc.Seek(_fd, copied - n, FsAbi.SeekCur);
                    return total > 0 ? total : KernelErrno.Return(Errno.EFAULT);
                }
                if (n < want)
                {
                    break;
                }
            }
            return total;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    internal override long ReadAt(IFileSyscallContext ctx, ref UserIo io, long offset)
    {
        WriteBackMapped();
        int fd = _fd;
        return CopyOutLoop(ctx, ref io, offset, ref fd, static (ref int f, long off, Span<byte> dst) => HostLibc.PRead(f, dst, off));
    }

    internal override long Write(IFileSyscallContext ctx, ref UserIo io)
    {
        WriteBackMapped();
        int fd = _fd;
        long r = CopyInLoop(ctx, ref io, 0, ref fd, static (ref int f, long off, ReadOnlySpan<byte> src) => HostLibc.Write(f, src));
        RefreshMapped();
        return r;
    }

    internal override long WriteAt(IFileSyscallContext ctx, ref UserIo io, long offset)
    {
        WriteBackMapped();
        int fd = _fd;
        long r = CopyInLoop(ctx, ref io, offset, ref fd, static (ref int f, long off, ReadOnlySpan<byte> src) => HostLibc.PWrite(f, src, off));
        RefreshMapped();
        return r;
    }

    public override long Seek(long offset, int whence) =>
        whence is >= FsAbi.SeekSet and <= FsAbi.SeekHole ? HostLibc.Seek(_fd, offset, whence) : KernelErrno.Return(Errno.EINVAL);

    public override Errno Truncate(IFileSyscallContext ctx, long length)
    {
        WriteBackMapped();
        Errno err = HostLibc.Ftruncate(_fd, length);
        RefreshMapped();
        return err;
    }

    public override Errno Sync()
    {
        WriteBackMapped();
        return HostLibc.Fsync(_fd, dataOnly: false);
    }

    /// <summary>fdatasync.</summary>
    public Errno SyncData()
    {
        WriteBackMapped();
        return HostLibc.Fsync(_fd, dataOnly: true);
    }

    /// <summary>fallocate on the host file.</summary>
    public Errno Allocate(int mode, long offset, long length)
    {
        WriteBackMapped();
        Errno err = HostLibc.Fallocate(_fd, mode, offset, length);
        RefreshMapped();
        return err;
    }
}

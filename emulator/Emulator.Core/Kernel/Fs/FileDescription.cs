using System.Buffers;

namespace Emulator.Core.Kernel.Fs;

/// <summary>
/// An open file description (Linux's <c>struct file</c>): what one or more descriptors refer to. It has
/// its own offset, access mode and status flags; dup and fork share it (a reference each), and the last
/// <see cref="Release"/> closes it.
/// </summary>
/// <remarks>
/// <para>I/O methods return bytes (≥ 0), a negative errno, or the value <see cref="IFileSyscallContext.Block"/>
/// returned. They copy to and from user memory themselves through <see cref="UserIo"/>, so a pipe read
/// fills every iovec of a readv in one pass and a huge count is streamed in chunks, never allocated.</para>
/// <para>Kinds: host files and directories, in-memory files (overlay, memfd), pipes, the console, the
/// special devices, /proc and /sys files, and the kernel's own devices (<see cref="DeviceFile"/>).</para>
/// </remarks>
public abstract class FileDescription
{
    /// <summary>Size of the bounce buffer of the storage copy loop.</summary>
    private protected const int ChunkSize = 128 * 1024;

    private int _references = 1;
    private int _flags;

    /// <param name="flags">The open flags: access mode and status flags (O_CLOEXEC is the descriptor's,
    /// not the description's, and is dropped).</param>
    /// <param name="path">What readlink of /proc/self/fd/N shows.</param>
    protected FileDescription(int flags, string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        _flags = flags & ~(FsAbi.OCloexec | FsAbi.OCreat | FsAbi.OExcl | FsAbi.ONoCtty | FsAbi.OTrunc);
        Path = path;
    }

    /// <summary>What F_GETFL returns: the access mode and the status flags.</summary>
    public int Flags => Volatile.Read(ref _flags);

    /// <summary>The guest path (or Linux's pseudo name, e.g. <c>pipe:[4242]</c>).</summary>
    public string Path { get; }

    /// <summary>Descriptors (in every table) referring to this description.</summary>
    public int References => Volatile.Read(ref _references);

    /// <summary>Opened with O_PATH: only fstat, fchdir, *at lookups and descriptor operations work.</summary>
    public bool IsPathOnly => (Flags & FsAbi.OPath) != 0;

    /// <summary>FMODE_READ.</summary>
    public bool CanRead => !IsPathOnly && (Flags & FsAbi.OAccMode) is FsAbi.ORdOnly or FsAbi.ORdWr;

    /// <summary>FMODE_WRITE.</summary>
    public bool CanWrite => !IsPathOnly && (Flags & FsAbi.OAccMode) is FsAbi.OWrOnly or FsAbi.ORdWr;

    public bool NonBlocking => (Flags & FsAbi.ONonblock) != 0;

    /// <summary>pread/pwrite/lseek work (FMODE_PREAD): false for pipes and streams.</summary>
    public virtual bool Seekable => false;

    /// <summary>The node the description was opened from (magic links of /proc/self/fd/N reopen it),
    /// or null for an anonymous object.</summary>
    internal virtual FsNode? Node => null;

    /// <summary>Another descriptor refers to this description (dup, fork, SCM_RIGHTS).</summary>
    public FileDescription AddReference()
    {
        Interlocked.Increment(ref _references);
        return this;
    }

    /// <summary>A descriptor (or an in-flight call) let go; the last one closes the description.</summary>
    public void Release()
    {
        int left = Interlocked.Decrement(ref _references);
        if (left == 0)
        {
            OnLastClose();
        }
    }

    /// <summary>The last reference is gone: close the host fd, detach from the pipe, unbind the device.</summary>
    protected virtual void OnLastClose()
    {
    }

    /// <summary>F_SETFL: replaces the changeable status flags (<see cref="FsAbi.SetflMask"/>).</summary>
    public virtual Errno SetStatusFlags(int flags)
    {
        int old, updated;
        do
        {
            old = Flags;
            updated = (old & ~FsAbi.SetflMask) | (flags & FsAbi.SetflMask);
        }
        while (Interlocked.CompareExchange(ref _flags, updated, old) != old);
        return Errno.Ok;
    }

    /// <summary>fstat.</summary>
    public abstract Errno Stat(out FileStat stat);

    /// <summary>statx with the caller's request mask (host files ask the host with it).</summary>
    public virtual Errno Statx(uint mask, out FileStat stat) => Stat(out stat);

    /// <summary>fstatfs.</summary>
    public virtual Errno StatFs(out StatFs statfs)
    {
        statfs = Fs.StatFs.Synthetic(FsAbi.TmpfsMagic);
        return Errno.Ok;
    }

    /// <summary>Reads at <paramref name="offset"/> without moving the file offset: what the kernel's
    /// MAP_PRIVATE file mappings fill their pages from.</summary>
    /// <returns>Ok with the count (0 at end of file), or EACCES/ENODEV for a description that cannot be mapped.</returns>
    public virtual Errno ReadAt(long offset, Span<byte> destination, out int read)
    {
        read = 0;
        return Errno.ENODEV;
    }

    /// <summary>read/readv at the description's offset.</summary>
    internal virtual long Read(IFileSyscallContext ctx, ref UserIo io) => KernelErrno.Return(Errno.EINVAL);

    /// <summary>write/writev at the description's offset (or the end, with O_APPEND).</summary>
    internal virtual long Write(IFileSyscallContext ctx, ref UserIo io) => KernelErrno.Return(Errno.EINVAL);

    /// <summary>pread64/preadv at <paramref name="offset"/>.</summary>
    internal virtual long ReadAt(IFileSyscallContext ctx, ref UserIo io, long offset) => KernelErrno.Return(Errno.ESPIPE);

    /// <summary>pwrite64/pwritev at <paramref name="offset"/>.</summary>
    internal virtual long WriteAt(IFileSyscallContext ctx, ref UserIo io, long offset) => KernelErrno.Return(Errno.ESPIPE);

    /// <summary>lseek: the new offset, or -errno.</summary>
    public virtual long Seek(long offset, int whence) => KernelErrno.Return(Errno.ESPIPE);

    /// <summary>ftruncate (the description must be writable; checked by the caller).</summary>
    public virtual Errno Truncate(IFileSyscallContext ctx, long length) => Errno.EINVAL;

    /// <summary>fsync/fdatasync.</summary>
    public virtual Errno Sync() => Errno.EINVAL;

    /// <summary>Readiness for poll and select (POLLIN…): a regular file is always ready.</summary>
    public virtual short Poll() => FsAbi.PollIn | FsAbi.PollOut | FsAbi.PollRdnorm | FsAbi.PollWrnorm;

    /// <summary>The queue woken when <see cref="Poll"/>'s answer may change; null when it never does.
    /// Take its token before calling <see cref="Poll"/>.</summary>
    public virtual WaitQueue? PollQueue => null;

    /// <summary>getdents64 (or the old getdents with <paramref name="dirent64"/> false).</summary>
    internal virtual long GetDents(IFileSyscallContext ctx, ulong va, int count, bool dirent64) => KernelErrno.Return(Errno.ENOTDIR);

    /// <summary>ioctl commands of this kind of file; -ENOTTY for anything else.</summary>
    internal virtual long Ioctl(IFileSyscallContext ctx, uint cmd, ulong arg) => KernelErrno.Return(Errno.ENOTTY);

    /// <summary>The copy loop of storage-like files: reads chunks through <paramref name="readAt"/>
    /// into a pooled buffer and copies them out, stopping at end of file, a short read or a fault.</summary>
    /// <returns>Bytes transferred, or -errno (-EFAULT when nothing could be copied out).</returns>
    private protected static long CopyOutLoop<TState>(IFileSyscallContext ctx, ref UserIo io, long offset, ref TState state,
        ReadChunk<TState> readAt)
    {
        byte[] buffer = ArrayPool<byte>.Shared.Rent(ChunkSize);
        try
        {
            long total = 0;
            while (io.Remaining > 0)
            {
                int want = (int)Math.Min(io.Remaining, ChunkSize);
                long n = readAt(ref state, offset + total, buffer.AsSpan(0, want));
                if (n < 0)
                {
                    return total > 0 ? total : n;
                }
                int copied = io.CopyOut(ctx, buffer.AsSpan(0, (int)n));
                total += copied;
                if (io.Faulted)
                {
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

    /// <summary>The write-side copy loop: copies chunks in from user memory and stores them through
    /// <paramref name="writeAt"/>.</summary>
    private protected static long CopyInLoop<TState>(IFileSyscallContext ctx, ref UserIo io, long offset, ref TState state,
        WriteChunk<TState> writeAt)
    {
        byte[] buffer = ArrayPool<byte>.Shared.Rent(ChunkSize);
        try
        {
            long total = 0;
            while (io.Remaining > 0)
            {
                int want = (int)Math.Min(io.Remaining, ChunkSize);
                int got = io.CopyIn(ctx, buffer.AsSpan(0, want));
                if (got > 0)
                {
                    long n = writeAt(ref state, offset + total, buffer.AsSpan(0, got));
                    if (n < 0)
                    {
                        return total > 0 ? total : n;
                    }
                    total += n;
                    if (n < got)
                    {
                        break;
                    }
                }
                if (io.Faulted)
                {
                    return total > 0 ? total : KernelErrno.Return(Errno.EFAULT);
                }
            }
            return total;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private protected delegate long ReadChunk<TState>(ref TState state, long offset, Span<byte> destination);

    private protected delegate long WriteChunk<TState>(ref TState state, long offset, ReadOnlySpan<byte> source);

    public override string ToString() => Path;
}

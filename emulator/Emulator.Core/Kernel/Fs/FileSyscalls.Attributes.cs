using static Emulator.Core.Kernel.Fs.FsAbi;

namespace Emulator.Core.Kernel.Fs;

public sealed partial class FileSyscalls
{
    private const int FallocKeepSize = 1;

    /// <summary>chmod/fchmodat/fchmodat2. fchmodat2's AT_SYMLINK_NOFOLLOW on a symlink is EOPNOTSUPP
    /// (Linux cannot change a symlink's mode).</summary>
    private long ChmodAt(IFileSyscallContext ctx, int dirfd, ulong pathVa, uint mode, int flags)
    {
        if ((flags & ~(AtSymlinkNofollow | AtEmptyPath)) != 0)
        {
            return Ret(Errno.EINVAL);
        }
        var err = ReadAtPath(ctx, pathVa, flags & AtEmptyPath, out string path);
        if (err != Errno.Ok)
        {
            return Ret(err);
        }
        if (path.Length == 0)
        {
            return WithFile(ctx, dirfd, (ctx, mode, fs: _fs), static (f, s) => Ret(SetModeOf(s.fs, s.ctx, f, s.mode)), raw: true);
        }
        return Ret(_fs.WithNode(ctx, dirfd, path, (flags & AtSymlinkNofollow) == 0, (ctx, mode), static (node, s) =>
            node.IsSymlink ? Errno.EOPNOTSUPP : node.SetMode(s.ctx, s.mode & 0xfff)));
    }

    private static Errno SetModeOf(GuestFileSystem fs, IFileSyscallContext ctx, FileDescription f, uint mode) =>
        f.Node is { } node ? fs.OnNode(node, (ctx, mode), static (n, s) => n.SetMode(s.ctx, s.mode & 0xfff)) : Errno.Ok;

    private long FchmodCall(IFileSyscallContext ctx, int fd, uint mode) =>
        WithFile(ctx, fd, (ctx, mode, fs: _fs), static (f, s) => Ret(SetModeOf(s.fs, s.ctx, f, s.mode)));

    /// <summary>chown/lchown/fchownat: -1 (as u32) leaves an id unchanged; an unprivileged caller may only
    /// give the file to itself and a group it is in (the host enforces that for host files).</summary>
    private long ChownAt(IFileSyscallContext ctx, int dirfd, ulong pathVa, uint uid, uint gid, int flags)
    {
        if ((flags & ~(AtSymlinkNofollow | AtEmptyPath)) != 0)
        {
            return Ret(Errno.EINVAL);
        }
        var err = ReadAtPath(ctx, pathVa, flags & AtEmptyPath, out string path);
        if (err != Errno.Ok)
        {
            return Ret(err);
        }
        if (path.Length == 0)
        {
            return WithFile(ctx, dirfd, (ctx, uid, gid, fs: _fs), static (f, s) => Ret(SetOwnerOf(s.fs, s.ctx, f, s.uid, s.gid)), raw: true);
        }
        return Ret(_fs.WithNode(ctx, dirfd, path, (flags & AtSymlinkNofollow) == 0, (ctx, uid, gid), static (node, s) =>
            node.SetOwner(s.ctx, s.uid, s.gid)));
    }

    private static Errno SetOwnerOf(GuestFileSystem fs, IFileSyscallContext ctx, FileDescription f, uint uid, uint gid) =>
        f.Node is { } node ? fs.OnNode(node, (ctx, uid, gid), static (n, s) => n.SetOwner(s.ctx, s.uid, s.gid)) : Errno.Ok;

    private long FchownCall(IFileSyscallContext ctx, int fd, uint uid, uint gid) =>
        WithFile(ctx, fd, (ctx, uid, gid, fs: _fs), static (f, s) => Ret(SetOwnerOf(s.fs, s.ctx, f, s.uid, s.gid)));

    private long TruncatePath(IFileSyscallContext ctx, ulong pathVa, long length)
    {
        if (length < 0)
        {
            return Ret(Errno.EINVAL);
        }
        var err = ReadNonEmptyPath(ctx, pathVa, out string path);
        if (err != Errno.Ok)
        {
            return Ret(err);
        }
        return Ret(_fs.WithNode(ctx, AtFdcwd, path, follow: true, (ctx, length), static (node, s) =>
            node.IsDirectory ? Errno.EISDIR : node.Truncate(s.ctx, s.length)));
    }

    /// <summary>ftruncate: EINVAL for a negative length, a non-regular file or a description not open for writing.</summary>
    private static long FtruncateCall(IFileSyscallContext ctx, int fd, long length) =>
        length < 0 ? Ret(Errno.EINVAL) : WithFile(ctx, fd, (ctx, length), static (f, s) =>
        {
            if (f.Stat(out var st) != Errno.Ok || !st.IsRegular || !f.CanWrite)
            {
                return Ret(Errno.EINVAL);
            }
            return Ret(f.Truncate(s.ctx, s.length));
        });

    private static long FsyncCall(IFileSyscallContext ctx, int fd, bool dataOnly) =>
        WithFile(ctx, fd, dataOnly, static (f, d) => Ret(d && f is HostFile h ? h.SyncData() : f.Sync()));

    private static long SyncFsCall(IFileSyscallContext ctx, int fd) => WithFile(ctx, fd, 0, static (f, _) => 0);

    /// <summary>fallocate: modes 0 and FALLOC_FL_KEEP_SIZE; ESPIPE for pipes, EISDIR, ENODEV for other
    /// non-regular files, EBADF when not writable.</summary>
    private static long FallocateCall(IFileSyscallContext ctx, int fd, int mode, long offset, long length) =>
        WithFile(ctx, fd, (ctx, mode, offset, length), static (f, s) =>
        {
            if (s.offset < 0 || s.length <= 0)
            {
                return Ret(Errno.EINVAL);
            }
            if (!f.CanWrite)
            {
                return Ret(Errno.EBADF);
            }
            if ((s.mode & ~FallocKeepSize) != 0)
            {
                return Ret(Errno.EOPNOTSUPP);
            }
            f.Stat(out var st);
            if (st.Type == SIfifo)
            {
                return Ret(Errno.ESPIPE);
            }
            if (st.IsDirectory)
            {
                return Ret(Errno.EISDIR);
            }
            if (!st.IsRegular)
            {
                return Ret(Errno.ENODEV);
            }
            if (s.offset > long.MaxValue - s.length)
            {
                return Ret(Errno.EFBIG);
            }
            return f switch
            {
                HostFile h => Ret(h.Allocate(s.mode, s.offset, s.length)),
                MemFileDescription m when (s.mode & FallocKeepSize) == 0 && s.offset + s.length > m.File.Size =>
                    Ret(m.File.SetSize(s.offset + s.length, s.ctx.RealtimeNanoseconds)),
                _ => 0,
            };
        });

    /// <summary>utimensat: NULL times means now for both; each tv_nsec must be valid or UTIME_NOW/OMIT.
    /// Explicit times need ownership (EPERM), "now" only write permission (EACCES). A NULL path with a
    /// descriptor is futimens.</summary>
    private long UtimensAt(IFileSyscallContext ctx, int dirfd, ulong pathVa, ulong timesVa, int flags)
    {
        if ((flags & ~(AtSymlinkNofollow | AtEmptyPath)) != 0)
        {
            return Ret(Errno.EINVAL);
        }
        var now = new Timespec(0, UtimeNow);
        Timespec atime = now, mtime = now;
        if (timesVa != 0)
        {
            Span<byte> b = stackalloc byte[2 * Timespec.Size];
            var err = ReadUser(ctx, timesVa, b);
            if (err != Errno.Ok)
            {
                return Ret(err);
            }
            atime = Timespec.Read(b);
            mtime = Timespec.Read(b[Timespec.Size..]);
            if (!ValidTimeNsec(atime.Nanoseconds) || !ValidTimeNsec(mtime.Nanoseconds))
            {
                return Ret(Errno.EINVAL);
            }
        }
        return SetTimesAt(ctx, dirfd, pathVa, atime, mtime, flags, pathMayBeNull: true);
    }

    private static bool ValidTimeNsec(long ns) => ns is >= 0 and < 1_000_000_000 || ns == UtimeNow || ns == UtimeOmit;

    private long SetTimesAt(IFileSyscallContext ctx, int dirfd, ulong pathVa, Timespec atime, Timespec mtime, int flags, bool pathMayBeNull)
    {
        bool explicitTimes = atime.Nanoseconds != UtimeNow || mtime.Nanoseconds != UtimeNow;
        bool nothing = atime.Nanoseconds == UtimeOmit && mtime.Nanoseconds == UtimeOmit;
        string path = "";
        if (!(pathMayBeNull && pathVa == 0))
        {
            var err = ReadAtPath(ctx, pathVa, flags & AtEmptyPath, out path);
            if (err != Errno.Ok)
            {
                return Ret(err);
            }
        }
        if (path.Length == 0)
        {
            if (dirfd == AtFdcwd && pathVa == 0)
            {
                return Ret(Errno.EFAULT);
            }
            return WithFile(ctx, dirfd, (ctx, atime, mtime, explicitTimes, nothing, fs: _fs), static (f, s) =>
            {
                if (s.nothing || f.Node is not { } node)
                {
                    return 0;
                }
                return Ret(s.fs.OnNode(node, s, static (n, t) => n.SetTimes(t.ctx, t.atime, t.mtime, t.explicitTimes)));
            }, raw: true);
        }
        return Ret(_fs.WithNode(ctx, dirfd, path, (flags & AtSymlinkNofollow) == 0, (ctx, atime, mtime, explicitTimes, nothing),
            static (node, s) => s.nothing ? Errno.Ok : node.SetTimes(s.ctx, s.atime, s.mtime, s.explicitTimes)));
    }

    /// <summary>utimes/futimesat: struct timeval[2] (NULL: now); tv_usec outside [0, 1e6) is EINVAL.</summary>
    private long UtimesAt(IFileSyscallContext ctx, int dirfd, ulong pathVa, ulong timesVa)
    {
        var now = new Timespec(0, UtimeNow);
        Timespec atime = now, mtime = now;
        if (timesVa != 0)
        {
            Span<byte> b = stackalloc byte[2 * Timeval.Size];
            var err = ReadUser(ctx, timesVa, b);
            if (err != Errno.Ok)
            {
                return Ret(err);
            }
            var a = Timeval.Read(b);
            var m = Timeval.Read(b[Timeval.Size..]);
            if (a.Microseconds is < 0 or >= 1_000_000 || m.Microseconds is < 0 or >= 1_000_000)
            {
                return Ret(Errno.EINVAL);
            }
            atime = a.ToTimespec();
            mtime = m.ToTimespec();
        }
        return SetTimesAt(ctx, dirfd, pathVa, atime, mtime, 0, pathMayBeNull: dirfd != AtFdcwd);
    }

    /// <summary>utime: struct utimbuf {actime, modtime} in seconds (NULL: now).</summary>
    private long UtimeCall(IFileSyscallContext ctx, ulong pathVa, ulong timesVa)
    {
        var now = new Timespec(0, UtimeNow);
        Timespec atime = now, mtime = now;
        if (timesVa != 0)
        {
            Span<byte> b = stackalloc byte[16];
            var err = ReadUser(ctx, timesVa, b);
            if (err != Errno.Ok)
            {
                return Ret(err);
            }
            atime = new Timespec(System.Buffers.Binary.BinaryPrimitives.ReadInt64LittleEndian(b), 0);
            mtime = new Timespec(System.Buffers.Binary.BinaryPrimitives.ReadInt64LittleEndian(b[8..]), 0);
        }
        return SetTimesAt(ctx, AtFdcwd, pathVa, atime, mtime, 0, pathMayBeNull: false);
    }

    /// <summary>fadvise64: advice 0..5 (POSIX_FADV_*) accepted as the hints they are; ESPIPE for pipes.</summary>
    private static long FadviseCall(IFileSyscallContext ctx, int fd, int advice) =>
        WithFile(ctx, fd, advice, static (f, a) => f is PipeEnd ? Ret(Errno.ESPIPE) : (uint)a > 5 ? Ret(Errno.EINVAL) : 0);

    /// <summary>flock: LOCK_SH, LOCK_EX or LOCK_UN, optionally | LOCK_NB; always granted.</summary>
    private static long FlockCall(IFileSyscallContext ctx, int fd, int operation) =>
        WithFile(ctx, fd, operation, static (f, op) => (op & ~4) is 1 or 2 or 8 ? 0 : Ret(Errno.EINVAL));
}

using System.Text;
using static Emulator.Core.Kernel.Fs.FsAbi;

namespace Emulator.Core.Kernel.Fs;

public sealed partial class FileSyscalls
{
    private const int StatAtFlags = AtSymlinkNofollow | AtNoAutomount | AtEmptyPath;

    /// <summary>stat/lstat.</summary>
    private long StatPath(IFileSyscallContext ctx, int dirfd, ulong pathVa, ulong bufVa, int flags)
    {
        var err = ReadNonEmptyPath(ctx, pathVa, out string path);
        if (err == Errno.Ok)
        {
            err = _fs.Stat(ctx, dirfd, path, (flags & AtSymlinkNofollow) == 0, HostLibc.DefaultStatxMask, out var st);
            if (err == Errno.Ok)
            {
                err = WriteStat(ctx, bufVa, st);
            }
        }
        return Ret(err);
    }

    private static Errno WriteStat(IFileSyscallContext ctx, ulong va, in FileStat st)
    {
        Span<byte> b = stackalloc byte[StatLayout.StatSize];
        StatLayout.WriteStat(st, b);
        return WriteUser(ctx, va, b);
    }

    /// <summary>fstat: any open description, O_PATH ones included.</summary>
    private static long FstatCall(IFileSyscallContext ctx, int fd, ulong bufVa) =>
        WithFile(ctx, fd, (ctx, bufVa), static (f, s) =>
        {
            var err = f.Stat(out var st);
            return Ret(err != Errno.Ok ? err : WriteStat(s.ctx, s.bufVa, st));
        }, raw: true);

    /// <summary>The path argument of the *at stat calls: AT_EMPTY_PATH accepts "" (and, since Linux
    /// 6.11, a NULL pointer) as "the descriptor itself".</summary>
    private static Errno ReadAtPath(IFileSyscallContext ctx, ulong pathVa, int flags, out string path)
    {
        path = "";
        if (pathVa == 0 && (flags & AtEmptyPath) != 0)
        {
            return Errno.Ok;
        }
        var err = ReadPath(ctx, pathVa, out path);
        return err == Errno.Ok && path.Length == 0 && (flags & AtEmptyPath) == 0 ? Errno.ENOENT : err;
    }

    /// <summary>The stat of <paramref name="dirfd"/> itself (AT_EMPTY_PATH): the working directory for AT_FDCWD.</summary>
    private Errno StatDescriptor(IFileSyscallContext ctx, int dirfd, uint mask, out FileStat st)
    {
        st = default;
        if (dirfd == AtFdcwd)
        {
            return _fs.Stat(ctx, AtFdcwd, ".", follow: true, mask, out st);
        }
        var file = ctx.Files.Acquire(dirfd);
        if (file is null)
        {
            return Errno.EBADF;
        }
        try
        {
            return file.Statx(mask, out st);
        }
        finally
        {
            file.Release();
        }
    }

    /// <summary>newfstatat: flags other than AT_SYMLINK_NOFOLLOW, AT_NO_AUTOMOUNT, AT_EMPTY_PATH are EINVAL.</summary>
    private long NewFstatAt(IFileSyscallContext ctx, int dirfd, ulong pathVa, ulong bufVa, int flags)
    {
        if ((flags & ~StatAtFlags) != 0)
        {
            return Ret(Errno.EINVAL);
        }
        var err = ReadAtPath(ctx, pathVa, flags, out string path);
        if (err != Errno.Ok)
        {
            return Ret(err);
        }
        FileStat st;
        err = path.Length == 0
            ? StatDescriptor(ctx, dirfd, HostLibc.DefaultStatxMask, out st)
            : _fs.Stat(ctx, dirfd, path, (flags & AtSymlinkNofollow) == 0, HostLibc.DefaultStatxMask, out st);
        return Ret(err != Errno.Ok ? err : WriteStat(ctx, bufVa, st));
    }

    /// <summary>statx: the request mask goes to the host for host files (so stx_mask is what the guest
    /// would get natively); files the emulator owns report the basic stats, and the birth time when asked.</summary>
    private long StatxCall(IFileSyscallContext ctx, int dirfd, ulong pathVa, int flags, uint mask, ulong bufVa)
    {
        if ((flags & ~(StatAtFlags | AtStatxSyncType)) != 0 || (flags & AtStatxSyncType) == AtStatxSyncType
            || (mask & StatxReserved) != 0)
        {
            return Ret(Errno.EINVAL);
        }
        var err = ReadAtPath(ctx, pathVa, flags, out string path);
        if (err != Errno.Ok)
        {
            return Ret(err);
        }
        FileStat st;
        err = path.Length == 0
            ? StatDescriptor(ctx, dirfd, mask, out st)
            : _fs.Stat(ctx, dirfd, path, (flags & AtSymlinkNofollow) == 0, mask, out st);
        if (err != Errno.Ok)
        {
            return Ret(err);
        }
        if ((mask & StatxBtime) == 0 && (st.Mask & StatxMntId) == 0)
        {
            st.Mask &= ~StatxBtime; // not from the host: report the birth time only when asked, as tmpfs does
        }
        Span<byte> b = stackalloc byte[StatLayout.StatxSize];
        StatLayout.WriteStatx(st, b);
        return Ret(WriteUser(ctx, bufVa, b));
    }

    private long StatFsPath(IFileSyscallContext ctx, ulong pathVa, ulong bufVa)
    {
        var err = ReadNonEmptyPath(ctx, pathVa, out string path);
        if (err != Errno.Ok)
        {
            return Ret(err);
        }
        var st = default(StatFs);
        err = _fs.WithNode(ctx, AtFdcwd, path, follow: true, 0, (node, _) => node.StatFs(out st));
        return Ret(err != Errno.Ok ? err : WriteStatFs(ctx, bufVa, st));
    }

    private static Errno WriteStatFs(IFileSyscallContext ctx, ulong va, in StatFs st)
    {
        Span<byte> b = stackalloc byte[StatFs.Size];
        st.Write(b);
        return WriteUser(ctx, va, b);
    }

    private static long FstatFsCall(IFileSyscallContext ctx, int fd, ulong bufVa) =>
        WithFile(ctx, fd, (ctx, bufVa), static (f, s) =>
        {
            var err = f.StatFs(out var st);
            return Ret(err != Errno.Ok ? err : WriteStatFs(s.ctx, s.bufVa, st));
        }, raw: true);

    /// <summary>getdents64/getdents: ENOTDIR for a non-directory, EINVAL when the buffer cannot hold the
    /// next record, 0 at the end.</summary>
    private static long GetDentsCall(IFileSyscallContext ctx, int fd, ulong va, ulong count, bool dirent64) =>
        WithFile(ctx, fd, (ctx, va, count: (uint)count, dirent64), static (f, s) =>
            f.GetDents(s.ctx, s.va, (int)Math.Min(s.count, int.MaxValue), s.dirent64));

    /// <summary>readlink/readlinkat: EINVAL for bufsiz ≤ 0 or a non-symlink; the target is copied without
    /// a NUL, cut at bufsiz. An empty path names the descriptor (an O_PATH|O_NOFOLLOW symlink).</summary>
    private long ReadLinkAt(IFileSyscallContext ctx, int dirfd, ulong pathVa, ulong bufVa, ulong bufsiz)
    {
        if ((int)bufsiz <= 0)
        {
            return Ret(Errno.EINVAL);
        }
        var err = ReadPath(ctx, pathVa, out string path);
        if (err != Errno.Ok)
        {
            return Ret(err);
        }
        string target;
        if (path.Length == 0)
        {
            var file = dirfd == AtFdcwd ? null : ctx.Files.Acquire(dirfd);
            if (file is null)
            {
                return Ret(dirfd == AtFdcwd ? Errno.ENOENT : Errno.EBADF);
            }
            try
            {
                if (file.Node is not { IsSymlink: true } link)
                {
                    return Ret(Errno.EINVAL);
                }
                err = link.ReadLink(ctx, out target);
            }
            finally
            {
                file.Release();
            }
        }
        else
        {
            err = _fs.ReadLink(ctx, dirfd, path, out target);
        }
        if (err != Errno.Ok)
        {
            return Ret(err);
        }
        byte[] bytes = Encoding.Latin1.GetBytes(target);
        int n = (int)Math.Min((ulong)bytes.Length, (uint)(int)bufsiz);
        return WriteUser(ctx, bufVa, bytes.AsSpan(0, n)) == Errno.Ok ? n : Ret(Errno.EFAULT);
    }

    /// <summary>access/faccessat/faccessat2: mode bits beyond R|W|X are EINVAL; faccessat2 takes
    /// AT_EACCESS (the same here: real and effective ids are one), AT_SYMLINK_NOFOLLOW and AT_EMPTY_PATH.</summary>
    private long AccessAt(IFileSyscallContext ctx, int dirfd, ulong pathVa, int mode, int flags, bool checkFlags)
    {
        if ((mode & ~7) != 0 || (checkFlags && (flags & ~(AtEaccess | AtSymlinkNofollow | AtEmptyPath)) != 0))
        {
            return Ret(Errno.EINVAL);
        }
        var err = ReadAtPath(ctx, pathVa, flags, out string path);
        if (err != Errno.Ok)
        {
            return Ret(err);
        }
        if (path.Length == 0)
        {
            path = ".";
            if (dirfd != AtFdcwd)
            {
                var file = ctx.Files.Acquire(dirfd);
                if (file is null)
                {
                    return Ret(Errno.EBADF);
                }
                try
                {
                    return file.Node is { } node ? Ret(mode == FOk ? Errno.Ok : node.Permission(ctx, mode)) : Ret(Errno.Ok);
                }
                finally
                {
                    file.Release();
                }
            }
        }
        return Ret(_fs.Access(ctx, dirfd, path, mode, follow: (flags & AtSymlinkNofollow) == 0));
    }
}

using System.Text;
using static Emulator.Core.Kernel.Fs.FsAbi;

namespace Emulator.Core.Kernel.Fs;

public sealed partial class FileSyscalls
{
    private long MkdirAt(IFileSyscallContext ctx, int dirfd, ulong pathVa, uint mode)
    {
        var err = ReadNonEmptyPath(ctx, pathVa, out string path);
        return Ret(err != Errno.Ok ? err : _fs.MakeDirectory(ctx, dirfd, path, mode));
    }

    private long RemoveAt(IFileSyscallContext ctx, int dirfd, ulong pathVa, bool directory)
    {
        var err = ReadNonEmptyPath(ctx, pathVa, out string path);
        return Ret(err != Errno.Ok ? err : _fs.Remove(ctx, dirfd, path, directory));
    }

    /// <summary>unlinkat: AT_REMOVEDIR makes it rmdir; any other flag is EINVAL.</summary>
    private long UnlinkAt(IFileSyscallContext ctx, int dirfd, ulong pathVa, int flags) =>
        (flags & ~AtRemovedir) != 0 ? Ret(Errno.EINVAL) : RemoveAt(ctx, dirfd, pathVa, (flags & AtRemovedir) != 0);

    /// <summary>rename/renameat/renameat2: RENAME_NOREPLACE and RENAME_EXCHANGE (not both);
    /// RENAME_WHITEOUT is for overlay file systems' own use (EINVAL here).</summary>
    private long RenameAt(IFileSyscallContext ctx, int oldDirfd, ulong oldVa, int newDirfd, ulong newVa, uint flags)
    {
        if ((flags & ~(RenameNoreplace | RenameExchange | RenameWhiteout)) != 0
            || (flags & (RenameNoreplace | RenameExchange)) == (RenameNoreplace | RenameExchange)
            || (flags & RenameWhiteout) != 0)
        {
            return Ret(Errno.EINVAL);
        }
        var err = ReadNonEmptyPath(ctx, oldVa, out string oldPath);
        if (err != Errno.Ok)
        {
            return Ret(err);
        }
        err = ReadNonEmptyPath(ctx, newVa, out string newPath);
        return Ret(err != Errno.Ok ? err : _fs.Rename(ctx, oldDirfd, oldPath, newDirfd, newPath, flags));
    }

    /// <summary>link/linkat: AT_SYMLINK_FOLLOW follows a symlink source; AT_EMPTY_PATH links the open file
    /// itself and needs CAP_DAC_READ_SEARCH (ENOENT otherwise, as Linux answers).</summary>
    private long LinkAt(IFileSyscallContext ctx, int oldDirfd, ulong oldVa, int newDirfd, ulong newVa, int flags)
    {
        if ((flags & ~(AtSymlinkFollow | AtEmptyPath)) != 0)
        {
            return Ret(Errno.EINVAL);
        }
        if ((flags & AtEmptyPath) != 0 && ctx.Uid != 0)
        {
            return Ret(Errno.ENOENT);
        }
        var err = ReadAtPath(ctx, oldVa, flags & AtEmptyPath, out string oldPath);
        if (err != Errno.Ok)
        {
            return Ret(err);
        }
        err = ReadNonEmptyPath(ctx, newVa, out string newPath);
        if (err != Errno.Ok)
        {
            return Ret(err);
        }
        if (oldPath.Length > 0)
        {
            return Ret(_fs.Link(ctx, oldDirfd, oldPath, newDirfd, newPath, (flags & AtSymlinkFollow) != 0));
        }
        var file = ctx.Files.Acquire(oldDirfd);
        if (file is null)
        {
            return Ret(Errno.EBADF);
        }
        try
        {
            return Ret(_fs.Link(ctx, file, newDirfd, newPath));
        }
        finally
        {
            file.Release();
        }
    }

    private long SymlinkAt(IFileSyscallContext ctx, ulong targetVa, int newDirfd, ulong newVa)
    {
        var err = ReadNonEmptyPath(ctx, targetVa, out string target);
        if (err != Errno.Ok)
        {
            return Ret(err);
        }
        err = ReadNonEmptyPath(ctx, newVa, out string newPath);
        return Ret(err != Errno.Ok ? err : _fs.Symlink(ctx, target, newDirfd, newPath));
    }

    /// <summary>getcwd: the length with the NUL; ERANGE when it does not fit, ENOENT when the directory
    /// was removed.</summary>
    private long GetCwd(IFileSyscallContext ctx, ulong bufVa, ulong size)
    {
        string cwd = ctx.Fs.Cwd;
        if (_fs.Stat(ctx, AtFdcwd, cwd, follow: true, HostLibc.DefaultStatxMask, out _) != Errno.Ok)
        {
            return Ret(Errno.ENOENT);
        }
        byte[] bytes = Encoding.Latin1.GetBytes(cwd + "\0");
        if ((ulong)bytes.Length > size)
        {
            return Ret(Errno.ERANGE);
        }
        return WriteUser(ctx, bufVa, bytes) == Errno.Ok ? bytes.Length : Ret(Errno.EFAULT);
    }

    private long ChdirCall(IFileSyscallContext ctx, ulong pathVa)
    {
        var err = ReadNonEmptyPath(ctx, pathVa, out string path);
        return Ret(err != Errno.Ok ? err : _fs.ChangeDirectory(ctx, AtFdcwd, path));
    }

    /// <summary>fchdir: the directory an open description (O_PATH included) was opened at.</summary>
    private static long FchdirCall(IFileSyscallContext ctx, int fd) =>
        WithFile(ctx, fd, ctx, static (f, c) =>
        {
            if (f.Node is not { IsDirectory: true } node)
            {
                return Ret(Errno.ENOTDIR);
            }
            var err = node.Permission(c, XOk);
            if (err == Errno.Ok)
            {
                c.Fs.Cwd = f.Path;
            }
            return Ret(err);
        }, raw: true);
}

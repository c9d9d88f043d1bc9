namespace Emulator.Core.Kernel.Fs;

public sealed partial class GuestFileSystem
{
    /// <summary>open/openat/creat: resolves, creates when asked, checks the type rules and opens.</summary>
    /// <param name="ctx">The caller.</param>
    /// <param name="dirfd">The *at directory (AT_FDCWD for open).</param>
    /// <param name="path">The path (a byte string).</param>
    /// <param name="flags">The open flags, already masked to the valid ones.</param>
    /// <param name="mode">The creation mode (before the umask).</param>
    /// <param name="file">The new description (one reference), or null.</param>
    public Errno Open(IFileSyscallContext ctx, int dirfd, string path, int flags, uint mode, out FileDescription? file)
    {
        ArgumentNullException.ThrowIfNull(ctx);
        ArgumentNullException.ThrowIfNull(path);
        file = null;
        bool create = (flags & FsAbi.OCreat) != 0;
        bool exclusive = create && (flags & FsAbi.OExcl) != 0;
        bool follow = (flags & FsAbi.ONofollow) == 0 && !exclusive;
        using (_ns.EnterScope())
        {
            var err = Resolve(ctx, dirfd, path, follow, out var r);
            if (err != Errno.Ok)
            {
                return err;
            }
            if ((flags & FsAbi.OPath) != 0)
            {
                if (r.Node is null)
                {
                    return Errno.ENOENT;
                }
                if ((flags & FsAbi.ODirectory) != 0 && !r.Node.IsDirectory)
                {
                    return Errno.ENOTDIR;
                }
                file = new PathFile(r.Node, flags & (FsAbi.OPath | FsAbi.ODirectory | FsAbi.ONofollow), r.Path);
                return Errno.Ok;
            }
            if (r.Node is null)
            {
                if (!create)
                {
                    return Errno.ENOENT;
                }
                if (r.TrailingSlash)
                {
                    return Errno.EISDIR;
                }
                uint createMode = mode & 0xfff & ~ctx.Fs.Umask;
                return r.Parent.CreateAndOpen(ctx, r.Name, createMode, flags, r.Path, out file);
            }
            var node = r.Node;
            if (exclusive)
            {
                return Errno.EEXIST;
            }
            if (node.IsSymlink)
            {
                return Errno.ELOOP; // O_NOFOLLOW on a symlink
            }
            if (node.IsDirectory)
            {
                if (create || (flags & FsAbi.OAccMode) != FsAbi.ORdOnly)
                {
                    return Errno.EISDIR;
                }
            }
            else if ((flags & FsAbi.ODirectory) != 0)
            {
                return Errno.ENOTDIR;
            }
            ulong parentIno = 0;
            if (node.IsDirectory && r.Parent.GetStat(ctx, out var parentStat) == Errno.Ok)
            {
                parentIno = parentStat.Ino;
            }
            return node.Open(ctx, flags, r.Path, parentIno, out file);
        }
    }

    /// <summary>stat/lstat/newfstatat/statx by path.</summary>
    internal Errno Stat(IFileSyscallContext ctx, int dirfd, string path, bool follow, uint statxMask, out FileStat st)
    {
        st = default;
        using (_ns.EnterScope())
        {
            var err = ResolveExisting(ctx, dirfd, path, follow, out var r);
            return err != Errno.Ok ? err : StatNode(ctx, r.Node!, statxMask, out st);
        }
    }

    /// <summary>The stat of a node; host nodes are asked with the caller's statx mask, as the host kernel would be.</summary>
    internal static Errno StatNode(IFileSyscallContext ctx, FsNode node, uint statxMask, out FileStat st) =>
        node is HostNode h ? HostLibc.Stat(h.HostPath, follow: false, statxMask, out st) : node.GetStat(ctx, out st);

    private Errno ResolveExisting(IFileSyscallContext ctx, int dirfd, string path, bool follow, out Resolution r)
    {
        var err = Resolve(ctx, dirfd, path, follow, out r);
        return err != Errno.Ok ? err : r.Node is null ? Errno.ENOENT : Errno.Ok;
    }

    /// <summary>mkdir/mkdirat.</summary>
    internal Errno MakeDirectory(IFileSyscallContext ctx, int dirfd, string path, uint mode)
    {
        using (_ns.EnterScope())
        {
            var err = Resolve(ctx, dirfd, path, follow: false, out var r);
            if (err != Errno.Ok)
            {
                return err;
            }
            if (r.Kind != LastKind.Normal || r.Node is not null)
            {
                return Errno.EEXIST;
            }
            return r.Parent.MakeDirectory(ctx, r.Name, mode & (0x1ff | FsAbi.SIsvtx) & ~ctx.Fs.Umask);
        }
    }

    /// <summary>unlink/unlinkat (<paramref name="directory"/> false) and rmdir/unlinkat(AT_REMOVEDIR).</summary>
    internal Errno Remove(IFileSyscallContext ctx, int dirfd, string path, bool directory)
    {
        using (_ns.EnterScope())
        {
            var err = Resolve(ctx, dirfd, path, follow: false, out var r);
            if (err != Errno.Ok)
            {
                return err;
            }
            if (r.Kind != LastKind.Normal)
            {
                return !directory ? Errno.EISDIR : r.Kind switch
                {
                    LastKind.Dot => Errno.EINVAL,
                    LastKind.DotDot => Errno.ENOTEMPTY,
                    _ => Errno.EBUSY,
                };
            }
            if (r.Node is null)
            {
                return Errno.ENOENT;
            }
            if (directory && !r.Node.IsDirectory)
            {
                return Errno.ENOTDIR;
            }
            return r.Parent.Remove(ctx, r.Name, r.Node, directory);
        }
    }

    /// <summary>rename/renameat/renameat2.</summary>
    internal Errno Rename(IFileSyscallContext ctx, int oldDirfd, string oldPath, int newDirfd, string newPath, uint flags)
    {
        using (_ns.EnterScope())
        {
            var err = Resolve(ctx, oldDirfd, oldPath, follow: false, out var from);
            if (err != Errno.Ok)
            {
                return err;
            }
            err = Resolve(ctx, newDirfd, newPath, follow: false, out var to);
            if (err != Errno.Ok)
            {
                return err;
            }
            if (from.Kind != LastKind.Normal || to.Kind != LastKind.Normal)
            {
                return Errno.EBUSY;
            }
            if (from.Node is null)
            {
                return Errno.ENOENT;
            }
            if ((flags & FsAbi.RenameExchange) != 0 && to.Node is null)
            {
                return Errno.ENOENT;
            }
            if (to.Node is null && to.TrailingSlash && !from.Node.IsDirectory)
            {
                return Errno.ENOTDIR;
            }
            if (from.Node.IsDirectory && to.Path.StartsWith(from.Path + "/", StringComparison.Ordinal))
            {
                return Errno.EINVAL; // into its own subtree
            }
            if (from.Parent is MountRoot m1 && m1.IsMountPoint(from.Name) || to.Parent is MountRoot m2 && m2.IsMountPoint(to.Name))
            {
                return Errno.EBUSY;
            }
            var oldParent = Unwrap(from.Parent);
            var newParent = Unwrap(to.Parent);
            if (oldParent.FileSystem != newParent.FileSystem || from.Node.FileSystem != oldParent.FileSystem)
            {
                return Errno.EXDEV;
            }
            if (from.Path == to.Path)
            {
                return (flags & FsAbi.RenameNoreplace) != 0 ? Errno.EEXIST : Errno.Ok;
            }
            return oldParent.Rename(ctx, from.Name, from.Node, newParent, to.Name, to.Node, flags);
        }
    }

    private static FsNode Unwrap(FsNode node) => node is MountRoot m ? m.Inner : node;

    /// <summary>link/linkat of a path (<paramref name="follow"/>: AT_SYMLINK_FOLLOW).</summary>
    internal Errno Link(IFileSyscallContext ctx, int oldDirfd, string oldPath, int newDirfd, string newPath, bool follow)
    {
        using (_ns.EnterScope())
        {
            var err = ResolveExisting(ctx, oldDirfd, oldPath, follow, out var from);
            return err != Errno.Ok ? err : LinkLocked(ctx, from.Node!, newDirfd, newPath);
        }
    }

    /// <summary>linkat(fd, "", AT_EMPTY_PATH): a name for an open file.</summary>
    internal Errno Link(IFileSyscallContext ctx, FileDescription file, int newDirfd, string newPath)
    {
        using (_ns.EnterScope())
        {
            return file.Node is { } node ? LinkLocked(ctx, node, newDirfd, newPath) : Errno.ENOENT;
        }
    }

    private Errno LinkLocked(IFileSyscallContext ctx, FsNode node, int newDirfd, string newPath)
    {
        if (node.IsDirectory)
        {
            return Errno.EPERM;
        }
        var err = Resolve(ctx, newDirfd, newPath, follow: false, out var to);
        if (err != Errno.Ok)
        {
            return err;
        }
        if (to.Kind != LastKind.Normal || to.Node is not null)
        {
            return Errno.EEXIST;
        }
        if (to.TrailingSlash)
        {
            return Errno.ENOENT;
        }
        if (Unwrap(to.Parent).FileSystem != node.FileSystem)
        {
            return Errno.EXDEV;
        }
        return to.Parent.MakeLink(ctx, to.Name, node);
    }

    /// <summary>symlink/symlinkat.</summary>
    internal Errno Symlink(IFileSyscallContext ctx, string target, int newDirfd, string newPath)
    {
        using (_ns.EnterScope())
        {
            var err = Resolve(ctx, newDirfd, newPath, follow: false, out var to);
            if (err != Errno.Ok)
            {
                return err;
            }
            if (to.Kind != LastKind.Normal || to.Node is not null)
            {
                return Errno.EEXIST;
            }
            return to.TrailingSlash ? Errno.ENOENT : to.Parent.MakeSymlink(ctx, to.Name, target);
        }
    }

    /// <summary>readlink/readlinkat.</summary>
    internal Errno ReadLink(IFileSyscallContext ctx, int dirfd, string path, out string target)
    {
        target = "";
        using (_ns.EnterScope())
        {
            var err = ResolveExisting(ctx, dirfd, path, follow: false, out var r);
            if (err != Errno.Ok)
            {
                return err;
            }
            return r.Node!.IsSymlink ? r.Node.ReadLink(ctx, out target) : Errno.EINVAL;
        }
    }

    /// <summary>access/faccessat/faccessat2 (<paramref name="mode"/> F_OK or R/W/X bits).</summary>
    internal Errno Access(IFileSyscallContext ctx, int dirfd, string path, int mode, bool follow)
    {
        using (_ns.EnterScope())
        {
            var err = ResolveExisting(ctx, dirfd, path, follow, out var r);
            if (err != Errno.Ok || mode == FsAbi.FOk)
            {
                return err;
            }
            return r.Node!.IsSymlink ? Errno.Ok : r.Node.Permission(ctx, mode);
        }
    }

    /// <summary>The node at a path, for the attribute calls (chmod, chown, utimes, truncate, statfs).</summary>
    internal Errno WithNode<TState>(IFileSyscallContext ctx, int dirfd, string path, bool follow, TState state,
        Func<FsNode, TState, Errno> action)
    {
        using (_ns.EnterScope())
        {
            var err = ResolveExisting(ctx, dirfd, path, follow, out var r);
            return err != Errno.Ok ? err : action(r.Node!, state);
        }
    }

    /// <summary>Runs an attribute change on the node of an open description (fchmod, fchown, futimens)
    /// under the namespace lock, since an overlay node may copy itself up.</summary>
    internal Errno OnNode<TState>(FsNode node, TState state, Func<FsNode, TState, Errno> action)
    {
        using (_ns.EnterScope())
        {
            return action(node, state);
        }
    }

    /// <summary>chdir: the caller's working directory becomes the canonical path of the directory.</summary>
    internal Errno ChangeDirectory(IFileSyscallContext ctx, int dirfd, string path)
    {
        using (_ns.EnterScope())
        {
            var err = ResolveExisting(ctx, dirfd, path, follow: true, out var r);
            if (err != Errno.Ok)
            {
                return err;
            }
            if (!r.Node!.IsDirectory)
            {
                return Errno.ENOTDIR;
            }
            err = r.Node.Permission(ctx, FsAbi.XOk);
            if (err != Errno.Ok)
            {
                return err;
            }
            ctx.Fs.Cwd = r.Path;
            return Errno.Ok;
        }
    }
}

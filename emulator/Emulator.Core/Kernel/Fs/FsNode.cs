namespace Emulator.Core.Kernel.Fs;

/// <summary>
/// Something in the guest's name space (Linux's inode + the dentry operations on it): a host file, an
/// in-memory file, an overlay directory, a /proc or /dev entry. Directory operations take the name of
/// a child; <see cref="GuestFileSystem"/> resolves paths into (parent, name, node) and calls these.
/// </summary>
/// <remarks>
/// <para>Every namespace operation runs under <see cref="GuestFileSystem"/>'s namespace lock, so nodes
/// need no lock for their directory structure. Each node checks its own permissions (search permission
/// in <see cref="Lookup"/>, write+search on the directory for changes), the host's nodes by letting the
/// host refuse.</para>
/// <para>The defaults are those of a read-only file of an unwritable file system: what /proc and /dev
/// answer.</para>
/// </remarks>
internal abstract class FsNode
{
    /// <summary>The S_IF* type bits, as of the lookup that produced the node.</summary>
    public abstract uint FileType { get; }

    public bool IsDirectory => FileType == FsAbi.SIfdir;

    public bool IsSymlink => FileType == FsAbi.SIflnk;

    public bool IsRegular => FileType == FsAbi.SIfreg;

    /// <summary>Which file system the node belongs to: a rename or link between different ones is EXDEV.</summary>
    public abstract object FileSystem { get; }

    public abstract Errno GetStat(IFileSyscallContext ctx, out FileStat stat);

    public virtual Errno StatFs(out StatFs statfs)
    {
        statfs = Fs.StatFs.Synthetic(FsAbi.TmpfsMagic);
        return Errno.Ok;
    }

    /// <summary>May the caller access the node with <paramref name="mask"/> (R_OK 4, W_OK 2, X_OK 1)?</summary>
    public virtual Errno Permission(IFileSyscallContext ctx, int mask)
    {
        var err = GetStat(ctx, out var st);
        return err != Errno.Ok ? err : PermissionRules.Check(ctx, st, mask);
    }

    /// <summary>The child <paramref name="name"/> (never "." or ".."): ENOENT when absent, EACCES
    /// without search permission, ENOTDIR for a non-directory.</summary>
    public virtual Errno Lookup(IFileSyscallContext ctx, string name, out FsNode? child)
    {
        child = null;
        return Errno.ENOTDIR;
    }

    /// <summary>The directory's entries except "." and "..".</summary>
    public virtual Errno ListEntries(IFileSyscallContext ctx, List<DirEntry> entries) => Errno.ENOTDIR;

    /// <summary>open(O_CREAT) of the absent child <paramref name="name"/>: creates a regular file with
    /// <paramref name="mode"/> (umask applied) and opens it with <paramref name="flags"/>, which may write
    /// it whatever the mode says, as Linux allows the creating open.</summary>
    public virtual Errno CreateAndOpen(IFileSyscallContext ctx, string name, uint mode, int flags, string path, out FileDescription? file)
    {
        file = null;
        return IsDirectory ? Errno.EACCES : Errno.ENOTDIR;
    }

    public virtual Errno MakeDirectory(IFileSyscallContext ctx, string name, uint mode) => IsDirectory ? Errno.EACCES : Errno.ENOTDIR;

    public virtual Errno MakeSymlink(IFileSyscallContext ctx, string name, string target) => IsDirectory ? Errno.EACCES : Errno.ENOTDIR;

    /// <summary>link(2): a new name <paramref name="name"/> here for <paramref name="existing"/>.</summary>
    public virtual Errno MakeLink(IFileSyscallContext ctx, string name, FsNode existing) => IsDirectory ? Errno.EACCES : Errno.ENOTDIR;

    /// <summary>unlink (<paramref name="directory"/> false) or rmdir of the child <paramref name="name"/>,
    /// which is <paramref name="child"/>.</summary>
    public virtual Errno Remove(IFileSyscallContext ctx, string name, FsNode child, bool directory) => IsDirectory ? Errno.EACCES : Errno.ENOTDIR;

    /// <summary>rename of the child <paramref name="name"/> (<paramref name="child"/>) to
    /// <paramref name="newName"/> in <paramref name="newParent"/>, replacing <paramref name="target"/> if
    /// not null. Type and emptiness checks are the implementation's (the host does its own).</summary>
    public virtual Errno Rename(IFileSyscallContext ctx, string name, FsNode child, FsNode newParent, string newName,
        FsNode? target, uint flags) => Errno.EACCES;

    /// <summary>readlink: the symlink's target (EINVAL for anything else).</summary>
    public virtual Errno ReadLink(IFileSyscallContext ctx, out string target)
    {
        target = "";
        return Errno.EINVAL;
    }

    /// <summary>A magic link's object (/proc/self/fd/N of a pipe or an unlinked file): followed as the last
    /// component it gives this node directly instead of its text. Null for ordinary symlinks.</summary>
    public virtual FsNode? MagicTarget(IFileSyscallContext ctx) => null;

    /// <summary>Opens the node (not O_PATH; the caller did the type checks: no directory for writing).</summary>
    /// <param name="ctx">The caller.</param>
    /// <param name="flags">The open flags (O_TRUNC included).</param>
    /// <param name="path">The canonical guest path (for /proc/self/fd).</param>
    /// <param name="parentIno">The parent directory's inode (a directory's ".." entry).</param>
    /// <param name="file">The new description (one reference).</param>
    public abstract Errno Open(IFileSyscallContext ctx, int flags, string path, ulong parentIno, out FileDescription? file);

    /// <summary>chmod (<paramref name="mode"/>: the 12 permission bits).</summary>
    public virtual Errno SetMode(IFileSyscallContext ctx, uint mode) => Errno.EPERM;

    /// <summary>chown; <see cref="uint.MaxValue"/> leaves that id unchanged.</summary>
    public virtual Errno SetOwner(IFileSyscallContext ctx, uint uid, uint gid) => Errno.EPERM;

    /// <summary>utimensat: the times may be <see cref="FsAbi.UtimeNow"/> / <see cref="FsAbi.UtimeOmit"/> in
    /// their nanoseconds; <paramref name="explicitTimes"/> says whether the caller gave times (ownership
    /// required) or asked for "now" (write permission suffices).</summary>
    public virtual Errno SetTimes(IFileSyscallContext ctx, Timespec atime, Timespec mtime, bool explicitTimes) => Errno.EPERM;

    /// <summary>truncate(2) by path (write permission checked here).</summary>
    public virtual Errno Truncate(IFileSyscallContext ctx, long length) => IsDirectory ? Errno.EISDIR : Errno.EINVAL;
}

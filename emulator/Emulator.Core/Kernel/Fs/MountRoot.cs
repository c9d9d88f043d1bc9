namespace Emulator.Core.Kernel.Fs;

/// <summary>
/// The guest's <c>/</c>: the root directory (host or overlay) with /proc, /dev and /sys mounted over it,
/// whatever the root directory holds under those names. The mount points cannot be removed, renamed or
/// replaced (EBUSY), nor created over (EEXIST).
/// </summary>
internal sealed class MountRoot(GuestFileSystem fs, FsNode inner) : FsNode
{
    private readonly List<(string Name, FsNode Node)> _mounts = [];

    public FsNode Inner => inner;

    public void Mount(string name, FsNode node) => _mounts.Add((name, node));

    private FsNode? MountOf(string name)
    {
        foreach (var (n, node) in _mounts)
        {
            if (n == name)
            {
                return node;
            }
        }
        return null;
    }

    public override uint FileType => FsAbi.SIfdir;

    public override object FileSystem => inner.FileSystem;

    public override Errno GetStat(IFileSyscallContext ctx, out FileStat stat) => inner.GetStat(ctx, out stat);

    public override Errno StatFs(out StatFs statfs) => inner.StatFs(out statfs);

    public override Errno Permission(IFileSyscallContext ctx, int mask) => inner.Permission(ctx, mask);

    public override Errno Lookup(IFileSyscallContext ctx, string name, out FsNode? child)
    {
        child = MountOf(name);
        return child is not null ? Errno.Ok : inner.Lookup(ctx, name, out child);
    }

    public override Errno ListEntries(IFileSyscallContext ctx, List<DirEntry> entries)
    {
        int start = entries.Count;
        var err = inner.ListEntries(ctx, entries);
        if (err != Errno.Ok)
        {
            return err;
        }
        int kept = start;
        for (int i = start; i < entries.Count; i++)
        {
            if (MountOf(entries[i].Name) is null)
            {
                entries[kept++] = entries[i];
            }
        }
        entries.RemoveRange(kept, entries.Count - kept);
        foreach (var (name, node) in _mounts)
        {
            node.GetStat(ctx, out var st);
            entries.Add(new DirEntry(name, st.Ino, FsAbi.DtDir));
        }
        return Errno.Ok;
    }

    public override Errno CreateAndOpen(IFileSyscallContext ctx, string name, uint mode, int flags, string path, out FileDescription? file)
    {
        file = null;
        return MountOf(name) is not null ? Errno.EEXIST : inner.CreateAndOpen(ctx, name, mode, flags, path, out file);
    }

    public override Errno MakeDirectory(IFileSyscallContext ctx, string name, uint mode) =>
        MountOf(name) is not null ? Errno.EEXIST : inner.MakeDirectory(ctx, name, mode);

    public override Errno MakeSymlink(IFileSyscallContext ctx, string name, string target) =>
        MountOf(name) is not null ? Errno.EEXIST : inner.MakeSymlink(ctx, name, target);

    public override Errno MakeLink(IFileSyscallContext ctx, string name, FsNode existing) =>
        MountOf(name) is not null ? Errno.EEXIST : inner.MakeLink(ctx, name, existing);

    public override Errno Remove(IFileSyscallContext ctx, string name, FsNode child, bool directory) =>
        MountOf(name) is not null ? Errno.EBUSY : inner.Remove(ctx, name, child, directory);

    /// <summary>Whether <paramref name="name"/> is a mount point (rename checks both ends with it).</summary>
    public bool IsMountPoint(string name) => MountOf(name) is not null;

    public override Errno Rename(IFileSyscallContext ctx, string name, FsNode child, FsNode newParent, string newName,
        FsNode? target, uint flags)
    {
        if (MountOf(name) is not null || (newParent == this && MountOf(newName) is not null))
        {
            return Errno.EBUSY;
        }
        return inner.Rename(ctx, name, child, newParent is MountRoot m ? m.Inner : newParent, newName, target, flags);
    }

    public override Errno Open(IFileSyscallContext ctx, int flags, string path, ulong parentIno, out FileDescription? file)
    {
        file = null;
        var err = inner.Permission(ctx, FsAbi.ROk);
        if (err != Errno.Ok)
        {
            return err;
        }
        file = new DirectoryFile(fs, this, flags, path, parentIno); // lists through this node, mounts included
        return Errno.Ok;
    }

    public override Errno SetMode(IFileSyscallContext ctx, uint mode) => inner.SetMode(ctx, mode);

    public override Errno SetOwner(IFileSyscallContext ctx, uint uid, uint gid) => inner.SetOwner(ctx, uid, gid);

    public override Errno SetTimes(IFileSyscallContext ctx, Timespec atime, Timespec mtime, bool explicitTimes) =>
        inner.SetTimes(ctx, atime, mtime, explicitTimes);
}

namespace Emulator.Core.Kernel.Fs;

/// <summary>
/// A node of a file system the emulator makes up: /proc, /dev, /sys. Owned by root (or, under
/// /proc/&lt;pid&gt;, by the caller, as Linux shows a process's own entries), timestamped "now", with an
/// inode number derived from its path so it is the same in every run.
/// </summary>
internal abstract class SyntheticNode : FsNode
{
    protected SyntheticNode(SyntheticFs fs, string path, uint mode, bool ownedByCaller = false)
    {
        Fs = fs;
        NodePath = path;
        Mode = mode;
        OwnedByCaller = ownedByCaller;
    }

    public SyntheticFs Fs { get; }

    /// <summary>The node's canonical guest path.</summary>
    public string NodePath { get; }

    public uint Mode { get; }

    public bool OwnedByCaller { get; }

    public override uint FileType => Mode & FsAbi.SIfmt;

    public override object FileSystem => Fs;

    public override Errno GetStat(IFileSyscallContext ctx, out FileStat stat)
    {
        var now = Timespec.FromNanoseconds(ctx?.RealtimeNanoseconds ?? 0);
        stat = new FileStat
        {
            DevMinor = Fs.DevMinor,
            Ino = GuestFileSystem.InodeOf(NodePath),
            Mode = Mode,
            Nlink = IsDirectory ? 2u : 1u,
            Uid = OwnedByCaller && ctx is not null ? ctx.Uid : 0,
            Gid = OwnedByCaller && ctx is not null ? ctx.Gid : 0,
            BlockSize = 1024,
            Atime = now,
            Mtime = now,
            Ctime = now,
            Mask = FsAbi.StatxBasicStats,
        };
        return Errno.Ok;
    }

    public override Errno StatFs(out StatFs statfs)
    {
        statfs = Fs.StatFs();
        return Errno.Ok;
    }
}

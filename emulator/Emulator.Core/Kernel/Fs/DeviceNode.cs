namespace Emulator.Core.Kernel.Fs;

/// <summary>A character device node in /dev: its permission bits are checked, then the device opens.</summary>
internal sealed class DeviceNode(SyntheticFs fs, string path, CharacterDevice device)
    : SyntheticNode(fs, path, FsAbi.SIfchr | device.Permissions)
{
    public CharacterDevice Device => device;

    public override Errno GetStat(IFileSyscallContext ctx, out FileStat stat)
    {
        stat = device.NodeStat(GuestFileSystem.InodeOf(NodePath));
        var now = Timespec.FromNanoseconds(ctx?.RealtimeNanoseconds ?? 0);
        stat.Atime = stat.Mtime = stat.Ctime = now;
        return Errno.Ok;
    }

    public override Errno Open(IFileSyscallContext ctx, int flags, string path, ulong parentIno, out FileDescription? file)
    {
        file = null;
        int acc = flags & FsAbi.OAccMode;
        int mask = (acc is FsAbi.ORdOnly or FsAbi.ORdWr ? FsAbi.ROk : 0) | (acc is FsAbi.OWrOnly or FsAbi.ORdWr ? FsAbi.WOk : 0);
        var err = Permission(ctx, mask);
        return err != Errno.Ok ? err : device.Open(ctx, flags, path, out file);
    }
}

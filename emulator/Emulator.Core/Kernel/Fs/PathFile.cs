namespace Emulator.Core.Kernel.Fs;

/// <summary>An O_PATH description: a location, not an open file. fstat, fchdir, *at lookups, dup and
/// close work; read, write, ioctl and the rest answer EBADF (checked by <see cref="FileSyscalls"/>).</summary>
internal sealed class PathFile(FsNode node, int flags, string path) : FileDescription(flags, path)
{
    internal override FsNode? Node => node;

    public override Errno Stat(out FileStat stat) => node.GetStat(null!, out stat);

    public override Errno StatFs(out StatFs statfs) => node.StatFs(out statfs);
}

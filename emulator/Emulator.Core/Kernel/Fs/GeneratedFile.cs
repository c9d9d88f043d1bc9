namespace Emulator.Core.Kernel.Fs;

/// <summary>A made-up read-only file whose contents are generated for the caller at the first read (/proc/cpuinfo,
/// /proc/self/maps, /sys/devices/system/cpu/online). Opening it for writing is EACCES.</summary>
internal sealed class GeneratedFile(SyntheticFs fs, string path, Func<IFileSyscallContext, byte[]> content,
    uint permissions = 0x124, bool ownedByCaller = false)
    : SyntheticNode(fs, path, FsAbi.SIfreg | permissions, ownedByCaller)
{
    public override Errno Open(IFileSyscallContext ctx, int flags, string path, ulong parentIno, out FileDescription? file)
    {
        file = null;
        if ((flags & FsAbi.OAccMode) != FsAbi.ORdOnly || (flags & FsAbi.OTrunc) != 0)
        {
            return Errno.EACCES;
        }
        file = new ContentFile(this, () => content(ctx), flags, path);
        return Errno.Ok;
    }

    /// <summary>The contents as the caller would read them now (for exec of /proc files: refused anyway).</summary>
    public byte[] Generate(IFileSyscallContext ctx) => content(ctx);
}

namespace Emulator.Core.Kernel.Fs;

/// <summary>An in-memory symbolic link (mode 0777, as Linux creates them).</summary>
internal sealed class MemSymlink : MemNode
{
    public MemSymlink(MemoryFs fs, string target, uint uid, uint gid, long nowNs)
        : base(fs, FsAbi.SIflnk | 0x1ff, uid, gid, nowNs) => Target = target;

    public string Target { get; }

    protected override void FillSizeLocked(ref FileStat stat) => stat.Size = Target.Length;

    public override Errno ReadLink(IFileSyscallContext ctx, out string target)
    {
        target = Target;
        return Errno.Ok;
    }

    public override Errno Open(IFileSyscallContext ctx, int flags, string path, ulong parentIno, out FileDescription? file)
    {
        file = null;
        return Errno.ELOOP;
    }
}

namespace Emulator.Core.Kernel.Fs;

/// <summary>The object behind /proc/self/fd/N when the description has no node of its own (a pipe, the
/// console): opening it shares the description, which is what a shell's <c>cat /dev/stdin</c> or
/// <c>echo &gt; /dev/stderr</c> needs. (Linux opens a new description of the same pipe or terminal; the
/// difference shows only in the offset and status flags, which pipes and terminals hardly use.)</summary>
internal sealed class DescriptionNode(FileDescription file) : FsNode
{
    public override uint FileType
    {
        get
        {
            file.Stat(out var st);
            return st.Type;
        }
    }

    public override object FileSystem => file;

    public override Errno GetStat(IFileSyscallContext ctx, out FileStat stat) => file.Stat(out stat);

    public override Errno Permission(IFileSyscallContext ctx, int mask) => Errno.Ok;

    public override Errno Open(IFileSyscallContext ctx, int flags, string path, ulong parentIno, out FileDescription? opened)
    {
        opened = file.AddReference();
        return Errno.Ok;
    }
}

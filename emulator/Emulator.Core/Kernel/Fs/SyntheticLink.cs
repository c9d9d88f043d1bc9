namespace Emulator.Core.Kernel.Fs;

/// <summary>A made-up symlink (lrwxrwxrwx): /proc/self, /proc/self/exe, /proc/self/fd/N, /dev/stdin…
/// Its target is computed for the caller; a magic link (/proc/self/fd/N) also names the object itself,
/// so following it reaches a pipe or an unlinked file that no path reaches.</summary>
internal sealed class SyntheticLink(SyntheticFs fs, string path, Func<IFileSyscallContext, string?> target,
    Func<IFileSyscallContext, FsNode?>? magic = null, bool ownedByCaller = false)
    : SyntheticNode(fs, path, FsAbi.SIflnk | 0x1ff, ownedByCaller)
{
    public override Errno ReadLink(IFileSyscallContext ctx, out string text)
    {
        text = target(ctx) ?? "";
        return text.Length == 0 ? Errno.ENOENT : Errno.Ok;
    }

    public override FsNode? MagicTarget(IFileSyscallContext ctx) => magic?.Invoke(ctx);

    public override Errno Open(IFileSyscallContext ctx, int flags, string path, ulong parentIno, out FileDescription? file)
    {
        file = null;
        return Errno.ELOOP;
    }
}

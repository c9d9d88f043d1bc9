using System.Globalization;

namespace Emulator.Core.Kernel.Fs;

/// <summary>/proc/self/fd: one magic link per open descriptor (dr-x------). readlink gives the
/// description's path (<c>pipe:[N]</c> for a pipe); opening the link reaches the object itself, so a pipe or
/// an unlinked file can be reopened.</summary>
internal sealed class ProcFdDir(GuestFileSystem guestFs, SyntheticFs fs, string path)
    : SyntheticDir(guestFs, fs, path, permissions: 0x140, ownedByCaller: true)
{
    protected override FsNode? LookupDynamic(IFileSyscallContext ctx, string name)
    {
        if (!int.TryParse(name, NumberStyles.None, CultureInfo.InvariantCulture, out int fd)
            || fd.ToString(CultureInfo.InvariantCulture) != name || ctx.Files.Peek(fd) is null)
        {
            return null;
        }
        return new SyntheticLink(Fs, ChildPath(name),
            c => c.Files.Peek(fd)?.Path,
            c => c.Files.Peek(fd) is { } f ? f.Node ?? new DescriptionNode(f) : null,
            ownedByCaller: true);
    }

    protected override void ListDynamic(IFileSyscallContext ctx, List<DirEntry> entries)
    {
        foreach (int fd in ctx.Files.OpenDescriptors())
        {
            string name = fd.ToString(CultureInfo.InvariantCulture);
            entries.Add(new DirEntry(name, GuestFileSystem.InodeOf(ChildPath(name)), FsAbi.DtLnk));
        }
    }
}

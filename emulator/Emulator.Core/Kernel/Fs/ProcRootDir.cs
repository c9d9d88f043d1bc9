using System.Globalization;

namespace Emulator.Core.Kernel.Fs;

/// <summary>/proc itself: the fixed entries plus a directory for the caller's process (its pid; its tid
/// resolves too, as Linux's hidden thread directories do). Other processes are not visible.</summary>
internal sealed class ProcRootDir(GuestFileSystem guestFs, SyntheticFs fs) : SyntheticDir(guestFs, fs, "/proc")
{
    protected override FsNode? LookupDynamic(IFileSyscallContext ctx, string name)
    {
        if (!int.TryParse(name, NumberStyles.None, CultureInfo.InvariantCulture, out int id) || id.ToString(CultureInfo.InvariantCulture) != name)
        {
            return null;
        }
        return id == ctx.Pid || id == ctx.Tid ? new ProcPidDir(GuestFs, Fs, ChildPath(name), id) : null;
    }

    protected override void ListDynamic(IFileSyscallContext ctx, List<DirEntry> entries)
    {
        string name = ctx.Pid.ToString(CultureInfo.InvariantCulture);
        entries.Add(new DirEntry(name, GuestFileSystem.InodeOf(ChildPath(name)), FsAbi.DtDir));
    }
}

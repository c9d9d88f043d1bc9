using System.Globalization;

namespace Emulator.Core.Kernel.Fs;

/// <summary>/proc/&lt;pid&gt; of the caller: exe, cwd, root, fd/, maps, cmdline, environ, stat, statm,
/// status, comm, mounts, task/. Owned by the caller, as Linux shows a process its own entries.</summary>
internal sealed class ProcPidDir : SyntheticDir
{
    public ProcPidDir(GuestFileSystem guestFs, SyntheticFs fs, string path, int id, bool inTask = false)
        : base(guestFs, fs, path, ownedByCaller: true)
    {
        Add("exe", new SyntheticLink(fs, ChildPath("exe"), static c => c.Process.ExePath, ownedByCaller: true));
        Add("cwd", new SyntheticLink(fs, ChildPath("cwd"), static c => c.Fs.Cwd, ownedByCaller: true));
        Add("root", new SyntheticLink(fs, ChildPath("root"), static _ => "/", ownedByCaller: true));
        Add("fd", new ProcFdDir(guestFs, fs, ChildPath("fd")));
        Add("maps", Bytes(fs, "maps", static c => GuestFileSystem.Latin1(c.Process.Maps())));
        Add("cmdline", Bytes(fs, "cmdline", static c => c.Process.Cmdline.ToArray()));
        Add("environ", Bytes(fs, "environ", static c => c.Process.Environ.ToArray()));
        Add("comm", Bytes(fs, "comm", static c => GuestFileSystem.Latin1(c.Process.Comm + "\n")));
        Add("stat", Bytes(fs, "stat", c => GuestFileSystem.Latin1(ProcContent.ProcessStat(c, id))));
        Add("statm", Bytes(fs, "statm", static c => GuestFileSystem.Latin1(ProcContent.ProcessStatm(c))));
        Add("status", Bytes(fs, "status", c => GuestFileSystem.Latin1(ProcContent.ProcessStatus(guestFs.Options, c, id))));
        Add("mounts", Bytes(fs, "mounts", c => GuestFileSystem.Latin1(ProcContent.Mounts(guestFs.Options))));
        if (!inTask)
        {
            Add("task", new ProcTaskDir(guestFs, fs, ChildPath("task")));
        }
    }

    private GeneratedFile Bytes(SyntheticFs fs, string name, Func<IFileSyscallContext, byte[]> content) =>
        new(fs, ChildPath(name), content, ownedByCaller: true);

    /// <summary>/proc/&lt;pid&gt;/task: the calling thread's directory.</summary>
    private sealed class ProcTaskDir(GuestFileSystem guestFs, SyntheticFs fs, string path) : SyntheticDir(guestFs, fs, path, ownedByCaller: true)
    {
        protected override FsNode? LookupDynamic(IFileSyscallContext ctx, string name) =>
            name == ctx.Tid.ToString(CultureInfo.InvariantCulture) ? new ProcPidDir(GuestFs, Fs, ChildPath(name), ctx.Tid, inTask: true) : null;

        protected override void ListDynamic(IFileSyscallContext ctx, List<DirEntry> entries)
        {
            string name = ctx.Tid.ToString(CultureInfo.InvariantCulture);
            entries.Add(new DirEntry(name, GuestFileSystem.InodeOf(ChildPath(name)), FsAbi.DtDir));
        }
    }
}

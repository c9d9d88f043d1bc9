namespace Emulator.Core.Kernel.Fs;

/// <summary>A made-up directory (dr-xr-xr-x unless told otherwise): a fixed list of children, plus
/// <see cref="LookupDynamic"/>/<see cref="ListDynamic"/> for the ones that depend on the caller
/// (/proc/&lt;pid&gt;, /proc/self/fd/N). Nothing can be created or removed in it (EACCES).</summary>
internal class SyntheticDir : SyntheticNode
{
    private readonly List<(string Name, FsNode Node)> _children = [];
    private readonly GuestFileSystem _guestFs;

    public SyntheticDir(GuestFileSystem guestFs, SyntheticFs fs, string path, uint permissions = 0x16d, bool ownedByCaller = false)
        : base(fs, path, FsAbi.SIfdir | permissions, ownedByCaller) => _guestFs = guestFs;

    protected GuestFileSystem GuestFs => _guestFs;

    /// <summary>Adds (or replaces) a fixed child.</summary>
    public void Add(string name, FsNode node)
    {
        for (int i = 0; i < _children.Count; i++)
        {
            if (_children[i].Name == name)
            {
                _children[i] = (name, node);
                return;
            }
        }
        _children.Add((name, node));
    }

    /// <summary>The path of a child.</summary>
    public string ChildPath(string name) => NodePath == "/" ? "/" + name : NodePath + "/" + name;

    public override Errno Lookup(IFileSyscallContext ctx, string name, out FsNode? child)
    {
        foreach (var (n, node) in _children)
        {
            if (n == name)
            {
                child = node;
                return Errno.Ok;
            }
        }
        child = LookupDynamic(ctx, name);
        return child is null ? Errno.ENOENT : Errno.Ok;
    }

    public override Errno ListEntries(IFileSyscallContext ctx, List<DirEntry> entries)
    {
        foreach (var (name, node) in _children)
        {
            node.GetStat(ctx, out var st);
            entries.Add(new DirEntry(name, st.Ino, st.DirentType));
        }
        ListDynamic(ctx, entries);
        return Errno.Ok;
    }

    protected virtual FsNode? LookupDynamic(IFileSyscallContext ctx, string name) => null;

    protected virtual void ListDynamic(IFileSyscallContext ctx, List<DirEntry> entries)
    {
    }

    public override Errno Open(IFileSyscallContext ctx, int flags, string path, ulong parentIno, out FileDescription? file)
    {
        file = new DirectoryFile(_guestFs, this, flags, path, parentIno);
        return Errno.Ok;
    }
}

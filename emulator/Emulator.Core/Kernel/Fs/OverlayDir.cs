namespace Emulator.Core.Kernel.Fs;

/// <summary>
/// A directory of the overlay (Linux's overlayfs, in memory): an upper <see cref="MemDirectory"/> (made
/// on the first change, "copy-up") over a lower host directory. Names resolve in the upper first; a
/// whiteout there hides the lower name; an opaque upper directory hides the whole lower one. Listings
/// merge both. Every change goes to the upper layer: the host is only read.
/// </summary>
/// <remarks>
/// <para>Instances are made per lookup and chained to their parent, so a copy-up can create the upper
/// directories above it; the upper <see cref="MemDirectory"/> objects are what persists.</para>
/// <para>Renaming a directory that has a lower part answers EXDEV, as overlayfs does without
/// redirect_dir; <c>mv</c> then copies. RENAME_EXCHANGE and RENAME_WHITEOUT are EINVAL.</para>
/// <para>Runs under the namespace lock.</para>
/// </remarks>
internal sealed partial class OverlayDir : FsNode
{
    private readonly GuestFileSystem _fs;
    private readonly OverlayDir? _parent;
    private readonly string _name;

    public OverlayDir(GuestFileSystem fs, OverlayDir? parent, string name, MemDirectory? upper, HostNode? lower)
    {
        _fs = fs;
        _parent = parent;
        _name = name;
        Upper = upper;
        Lower = lower;
    }

    public MemDirectory? Upper { get; private set; }

    public HostNode? Lower { get; }

    public override uint FileType => FsAbi.SIfdir;

    public override object FileSystem => _fs.Memory;

    public override Errno GetStat(IFileSyscallContext ctx, out FileStat stat) =>
        Upper is not null ? Upper.GetStat(ctx, out stat) : Lower!.GetStat(ctx, out stat);

    public override Errno StatFs(out StatFs statfs)
    {
        if (Lower is null || Lower.StatFs(out statfs) != Errno.Ok)
        {
            statfs = _fs.Memory.StatFs();
        }
        statfs.Type = FsAbi.OverlayfsSuperMagic;
        return Errno.Ok;
    }

    public override Errno Permission(IFileSyscallContext ctx, int mask)
    {
        var err = GetStat(ctx, out var st);
        return err != Errno.Ok ? err : PermissionRules.Check(ctx, st, mask);
    }

    public override Errno Lookup(IFileSyscallContext ctx, string name, out FsNode? child)
    {
        child = null;
        var err = Permission(ctx, FsAbi.XOk);
        if (err != Errno.Ok)
        {
            return err;
        }
        if (Upper is not null && Upper.Entries.TryGetValue(name, out var u))
        {
            if (u is null)
            {
                return Errno.ENOENT; // whiteout
            }
            if (u is MemDirectory d)
            {
                HostNode? lowerDir = null;
                if (!d.Opaque && Lower is not null && Lower.Lookup(ctx, name, out var l) == Errno.Ok && l!.IsDirectory)
                {
                    lowerDir = (HostNode)l;
                }
                child = new OverlayDir(_fs, this, name, d, lowerDir);
                return Errno.Ok;
            }
            child = u;
            return Errno.Ok;
        }
        if (Lower is null)
        {
            return Errno.ENOENT;
        }
        err = Lower.Lookup(ctx, name, out var lower);
        if (err != Errno.Ok)
        {
            return err;
        }
        var host = (HostNode)lower!;
        child = host.IsDirectory ? new OverlayDir(_fs, this, name, null, host) : new OverlayLowerNode(_fs, this, name, host);
        return Errno.Ok;
    }

    public override Errno ListEntries(IFileSyscallContext ctx, List<DirEntry> entries)
    {
        int start = entries.Count;
        if (Lower is not null && (Upper is null || !Upper.Opaque))
        {
            var err = Lower.ListEntries(ctx, entries);
            if (err != Errno.Ok)
            {
                return err;
            }
        }
        if (Upper is null)
        {
            return Errno.Ok;
        }
        // Lower names the upper layer replaced or deleted go; the upper's own names follow.
        int kept = start;
        for (int i = start; i < entries.Count; i++)
        {
            if (!Upper.Entries.ContainsKey(entries[i].Name))
            {
                entries[kept++] = entries[i];
            }
        }
        entries.RemoveRange(kept, entries.Count - kept);
        foreach (var (name, node) in Upper.Entries)
        {
            if (node is not null)
            {
                node.GetStat(ctx, out var st);
                entries.Add(new DirEntry(name, st.Ino, st.DirentType));
            }
        }
        return Errno.Ok;
    }

    public override Errno Open(IFileSyscallContext ctx, int flags, string path, ulong parentIno, out FileDescription? file)
    {
        file = null;
        var err = Permission(ctx, FsAbi.ROk);
        if (err != Errno.Ok)
        {
            return err;
        }
        file = new DirectoryFile(_fs, this, flags, path, parentIno);
        return Errno.Ok;
    }

    public override Errno SetMode(IFileSyscallContext ctx, uint mode) => EnsureUpper(ctx, out var u) ?? u!.SetMode(ctx, mode);

    public override Errno SetOwner(IFileSyscallContext ctx, uint uid, uint gid) => EnsureUpper(ctx, out var u) ?? u!.SetOwner(ctx, uid, gid);

    public override Errno SetTimes(IFileSyscallContext ctx, Timespec atime, Timespec mtime, bool explicitTimes) =>
        EnsureUpper(ctx, out var u) ?? u!.SetTimes(ctx, atime, mtime, explicitTimes);

    /// <summary>Copy-up of this directory (and its ancestors): the upper directory, made with the lower's
    /// metadata if it does not exist yet.</summary>
    /// <returns>Null on success, else the error.</returns>
    public Errno? EnsureUpper(IFileSyscallContext ctx, out MemDirectory? upper)
    {
        upper = Upper;
        if (upper is not null)
        {
            return null;
        }
        MemDirectory? parentUpper = null;
        if (_parent is not null)
        {
            var err = _parent.EnsureUpper(ctx, out parentUpper);
            if (err is not null)
            {
                return err;
            }
        }
        var e = Lower!.GetStat(ctx, out var st);
        if (e != Errno.Ok)
        {
            return e;
        }
        upper = new MemDirectory(_fs.Memory, st.Mode, st.Uid, st.Gid, ctx.RealtimeNanoseconds);
        upper.AdoptIdentity(st);
        if (parentUpper is not null)
        {
            parentUpper.Entries[_name] = upper;
        }
        Upper = upper; // the overlay's root keeps its upper in this (long-lived) instance
        return null;
    }

    /// <summary>Whether the lower directory has <paramref name="name"/> (so removing it needs a whiteout).</summary>
    private bool LowerHas(IFileSyscallContext ctx, string name) =>
        Lower is not null && (Upper is null || !Upper.Opaque) && Lower.Lookup(ctx, name, out _) == Errno.Ok;
}

namespace Emulator.Core.Kernel.Fs;

internal sealed partial class OverlayDir
{
    /// <summary>The group of a new entry: the directory's if it is set-group-ID (which new directories
    /// inherit), else the caller's (inode_init_owner).</summary>
    private (uint Gid, uint SetGid) NewOwnerGroup(IFileSyscallContext ctx)
    {
        GetStat(ctx, out var st);
        return (st.Mode & FsAbi.SIsgid) != 0 ? (st.Gid, FsAbi.SIsgid) : (ctx.Gid, 0u);
    }

    /// <summary>Write and search permission on this directory, then its upper copy.</summary>
    private Errno PrepareChange(IFileSyscallContext ctx, out MemDirectory? upper)
    {
        upper = null;
        var err = Permission(ctx, FsAbi.WOk | FsAbi.XOk);
        if (err != Errno.Ok)
        {
            return err;
        }
        return EnsureUpper(ctx, out upper) ?? Errno.Ok;
    }

    public override Errno CreateAndOpen(IFileSyscallContext ctx, string name, uint mode, int flags, string path, out FileDescription? file)
    {
        file = null;
        var err = PrepareChange(ctx, out var upper);
        if (err != Errno.Ok)
        {
            return err;
        }
        long now = ctx.RealtimeNanoseconds;
        var f = new MemFile(_fs.Memory, mode, ctx.Uid, NewOwnerGroup(ctx).Gid, now);
        f.AddLink(1, now);
        upper!.Entries[name] = f;
        upper.Touch(now);
        file = new MemFileDescription(f, flags, path);
        return Errno.Ok;
    }

    public override Errno MakeDirectory(IFileSyscallContext ctx, string name, uint mode)
    {
        var err = PrepareChange(ctx, out var upper);
        if (err != Errno.Ok)
        {
            return err;
        }
        long now = ctx.RealtimeNanoseconds;
        var (gid, setgid) = NewOwnerGroup(ctx);
        bool whiteout = upper!.Entries.TryGetValue(name, out var old) && old is null;
        var d = new MemDirectory(_fs.Memory, mode | setgid, ctx.Uid, gid, now) { Opaque = whiteout };
        upper.Entries[name] = d;
        upper.AddLink(1, now);
        upper.Touch(now);
        return Errno.Ok;
    }

    public override Errno MakeSymlink(IFileSyscallContext ctx, string name, string target)
    {
        var err = PrepareChange(ctx, out var upper);
        if (err != Errno.Ok)
        {
            return err;
        }
        long now = ctx.RealtimeNanoseconds;
        var link = new MemSymlink(_fs.Memory, target, ctx.Uid, NewOwnerGroup(ctx).Gid, now);
        link.AddLink(1, now);
        upper!.Entries[name] = link;
        upper.Touch(now);
        return Errno.Ok;
    }

    public override Errno MakeLink(IFileSyscallContext ctx, string name, FsNode existing)
    {
        var err = PrepareChange(ctx, out var upper);
        if (err != Errno.Ok)
        {
            return err;
        }
        MemNode? node = existing switch
        {
            OverlayLowerNode lower => lower.CopyUp(ctx, out var copied) == Errno.Ok ? copied : null,
            MemNode m when m.Fs == _fs.Memory => m,
            _ => null,
        };
        if (node is null)
        {
            return existing is OverlayLowerNode ? Errno.ENOSPC : Errno.EXDEV;
        }
        long now = ctx.RealtimeNanoseconds;
        node.AddLink(1, now);
        upper!.Entries[name] = node;
        upper.Touch(now);
        return Errno.Ok;
    }

    public override Errno Remove(IFileSyscallContext ctx, string name, FsNode child, bool directory)
    {
        var err = Permission(ctx, FsAbi.WOk | FsAbi.XOk);
        if (err != Errno.Ok)
        {
            return err;
        }
        if (directory != child.IsDirectory)
        {
            return directory ? Errno.ENOTDIR : Errno.EISDIR;
        }
        if (Sticky(ctx, child))
        {
            return Errno.EPERM;
        }
        if (directory && !IsEmpty(ctx, (OverlayDir)child))
        {
            return Errno.ENOTEMPTY;
        }
        EnsureUpper(ctx, out var upper);
        Unlink(ctx, upper!, name, child);
        upper!.Touch(ctx.RealtimeNanoseconds);
        return Errno.Ok;
    }

    /// <summary>Takes <paramref name="name"/> out of the merged view: the upper entry goes, and a whiteout
    /// stays where the lower layer has the name.</summary>
    private void Unlink(IFileSyscallContext ctx, MemDirectory upper, string name, FsNode child)
    {
        long now = ctx.RealtimeNanoseconds;
        if (upper.Entries.TryGetValue(name, out var node) && node is not null)
        {
            node.AddLink(node is MemDirectory ? -2 : -1, now);
            if (node is MemDirectory)
            {
                upper.AddLink(-1, now);
            }
            (node as MemFile)?.Unlinked();
        }
        if (LowerHas(ctx, name))
        {
            upper.Entries[name] = null;
        }
        else
        {
            upper.Entries.Remove(name);
        }
    }

    private bool Sticky(IFileSyscallContext ctx, FsNode child)
    {
        GetStat(ctx, out var dir);
        child.GetStat(ctx, out var file);
        return PermissionRules.StickyForbids(ctx, dir, file);
    }

    private static bool IsEmpty(IFileSyscallContext ctx, OverlayDir dir)
    {
        var entries = new List<DirEntry>();
        return dir.ListEntries(ctx, entries) == Errno.Ok && entries.Count == 0;
    }

    public override Errno Rename(IFileSyscallContext ctx, string name, FsNode child, FsNode newParent, string newName,
        FsNode? target, uint flags)
    {
        if ((flags & ~FsAbi.RenameNoreplace) != 0)
        {
            return Errno.EINVAL;
        }
        if (newParent is not OverlayDir to || to._fs != _fs)
        {
            return Errno.EXDEV;
        }
        var err = Permission(ctx, FsAbi.WOk | FsAbi.XOk);
        if (err == Errno.Ok && to != this)
        {
            err = to.Permission(ctx, FsAbi.WOk | FsAbi.XOk);
        }
        if (err != Errno.Ok)
        {
            return err;
        }
        if (Sticky(ctx, child) || (target is not null && to.Sticky(ctx, target)))
        {
            return Errno.EPERM;
        }
        if (target is not null)
        {
            if ((flags & FsAbi.RenameNoreplace) != 0)
            {
                return Errno.EEXIST;
            }
            if (child.IsDirectory != target.IsDirectory)
            {
                return child.IsDirectory ? Errno.ENOTDIR : Errno.EISDIR;
            }
            if (target.IsDirectory && !IsEmpty(ctx, (OverlayDir)target))
            {
                return Errno.ENOTEMPTY;
            }
            if (SameFile(ctx, child, target))
            {
                return Errno.Ok; // two names of one file: rename does nothing
            }
        }
        if (child is OverlayDir { Lower: not null })
        {
            return Errno.EXDEV;
        }
        MemNode moved;
        switch (child)
        {
            case OverlayDir d:
                moved = d.Upper!;
                break;
            case OverlayLowerNode lower:
                err = lower.CopyUp(ctx, out var copied);
                if (err != Errno.Ok)
                {
                    return err;
                }
                moved = copied!;
                break;
            case MemNode m:
                moved = m;
                break;
            default:
                return Errno.EXDEV;
        }
        EnsureUpper(ctx, out var fromUpper);
        var e2 = to.EnsureUpper(ctx, out var toUpper);
        if (e2 is not null)
        {
            return e2.Value;
        }
        long now = ctx.RealtimeNanoseconds;
        moved.AddLink(1, now); // the new name, before the old one's removal drops a link
        if (moved is MemDirectory)
        {
            moved.AddLink(1, now);
            toUpper!.AddLink(1, now);
        }
        if (target is not null)
        {
            to.Unlink(ctx, toUpper!, newName, target);
        }
        Unlink(ctx, fromUpper!, name, child);
        toUpper!.Entries[newName] = moved;
        if (moved is MemDirectory md && to.LowerHas(ctx, newName))
        {
            md.Opaque = true; // a lower directory of that name must not merge into the moved one
        }
        fromUpper!.Touch(now);
        toUpper.Touch(now);
        return Errno.Ok;
    }

    private static bool SameFile(IFileSyscallContext ctx, FsNode a, FsNode b)
    {
        a.GetStat(ctx, out var x);
        b.GetStat(ctx, out var y);
        return x.Ino == y.Ino && x.DevMajor == y.DevMajor && x.DevMinor == y.DevMinor;
    }
}

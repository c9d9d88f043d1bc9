namespace Emulator.Core.Kernel.Fs;

/// <summary>
/// A non-directory of the overlay that exists only in the lower (host) layer. Reading opens the host
/// file read-only; the first change (open for writing, O_TRUNC, chmod, chown, utimes, truncate, a hard
/// link, a rename) copies it up into memory and applies the change there.
/// </summary>
/// <remarks>A description opened before the copy-up keeps reading the host file (overlayfs behaved so
/// before Linux 4.19).</remarks>
internal sealed class OverlayLowerNode : FsNode
{
    private readonly GuestFileSystem _fs;
    private readonly OverlayDir _parent;
    private readonly string _name;
    private readonly HostNode _lower;

    public OverlayLowerNode(GuestFileSystem fs, OverlayDir parent, string name, HostNode lower)
    {
        _fs = fs;
        _parent = parent;
        _name = name;
        _lower = lower;
    }

    public override uint FileType => _lower.FileType;

    public override object FileSystem => _fs.Memory;

    public override Errno GetStat(IFileSyscallContext ctx, out FileStat stat) => _lower.GetStat(ctx, out stat);

    public override Errno StatFs(out StatFs statfs) => _parent.StatFs(out statfs);

    public override Errno ReadLink(IFileSyscallContext ctx, out string target) => _lower.ReadLink(ctx, out target);

    public override Errno Open(IFileSyscallContext ctx, int flags, string path, ulong parentIno, out FileDescription? file)
    {
        file = null;
        bool writes = (flags & FsAbi.OAccMode) != FsAbi.ORdOnly || (flags & FsAbi.OTrunc) != 0;
        if (!writes)
        {
            var e = _lower.Open(ctx, flags, path, parentIno, out file);
            (file as HostFile)?.Rebind(this);
            return e;
        }
        if (!IsRegular)
        {
            return Errno.EACCES; // a lower FIFO or device: not opened for the guest (see HostNode)
        }
        var err = Permission(ctx, FsAbi.WOk | ((flags & FsAbi.OAccMode) == FsAbi.ORdWr ? FsAbi.ROk : 0));
        if (err != Errno.Ok)
        {
            return err;
        }
        err = CopyUp(ctx, out var copied);
        return err != Errno.Ok ? err : copied!.Open(ctx, flags, path, parentIno, out file);
    }

    public override Errno SetMode(IFileSyscallContext ctx, uint mode) => Change(ctx, out var n) ?? n!.SetMode(ctx, mode);

    public override Errno SetOwner(IFileSyscallContext ctx, uint uid, uint gid) => Change(ctx, out var n) ?? n!.SetOwner(ctx, uid, gid);

    public override Errno SetTimes(IFileSyscallContext ctx, Timespec atime, Timespec mtime, bool explicitTimes) =>
        Change(ctx, out var n) ?? n!.SetTimes(ctx, atime, mtime, explicitTimes);

    public override Errno Truncate(IFileSyscallContext ctx, long length)
    {
        if (!IsRegular)
        {
            return IsDirectory ? Errno.EISDIR : Errno.EINVAL;
        }
        var err = Permission(ctx, FsAbi.WOk);
        return err != Errno.Ok ? err : Change(ctx, out var n) ?? n!.Truncate(ctx, length);
    }

    private Errno? Change(IFileSyscallContext ctx, out MemNode? node)
    {
        var err = CopyUp(ctx, out node);
        return err == Errno.Ok ? null : err;
    }

    /// <summary>Copies the file (its bytes, mode, owner, times, device and inode numbers) or symlink into
    /// the parent's upper directory, unless another lookup already did.</summary>
    public Errno CopyUp(IFileSyscallContext ctx, out MemNode? node)
    {
        node = null;
        var dirErr = _parent.EnsureUpper(ctx, out var upper);
        if (dirErr is not null)
        {
            return dirErr.Value;
        }
        if (upper!.Entries.TryGetValue(_name, out var existing) && existing is not null)
        {
            node = existing;
            return Errno.Ok;
        }
        var err = _lower.GetStat(ctx, out var st);
        if (err != Errno.Ok)
        {
            return err;
        }
        long now = ctx.RealtimeNanoseconds;
        switch (st.Type)
        {
            case FsAbi.SIfreg:
                var file = new MemFile(_fs.Memory, st.Mode, st.Uid, st.Gid, now);
                err = CopyContents(file, now);
                if (err != Errno.Ok)
                {
                    file.Unlinked();
                    return err;
                }
                node = file;
                break;
            case FsAbi.SIflnk:
                err = _lower.ReadLink(ctx, out string target);
                if (err != Errno.Ok)
                {
                    return err;
                }
                node = new MemSymlink(_fs.Memory, target, st.Uid, st.Gid, now);
                break;
            default:
                return Errno.EPERM;
        }
        node.AdoptIdentity(st);
        node.AddLink(1, now);
        upper.Entries[_name] = node;
        return Errno.Ok;
    }

    private Errno CopyContents(MemFile file, long now)
    {
        int fd = HostLibc.Open(_lower.HostPath, FsAbi.ORdOnly | FsAbi.ONofollow, 0, out var err);
        if (fd < 0)
        {
            return err;
        }
        byte[] buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(128 * 1024);
        try
        {
            long offset = 0;
            while (true)
            {
                long n = HostLibc.PRead(fd, buffer, offset);
                if (n < 0)
                {
                    return (Errno)(int)-n;
                }
                if (n == 0)
                {
                    return Errno.Ok;
                }
                long w = file.Write(offset, buffer.AsSpan(0, (int)n), append: false, now, out _);
                if (w < n)
                {
                    return Errno.ENOSPC;
                }
                offset += n;
            }
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
            HostLibc.Close(fd);
        }
    }
}

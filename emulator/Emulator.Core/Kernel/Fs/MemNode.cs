namespace Emulator.Core.Kernel.Fs;

/// <summary>
/// A file that lives in the emulator's memory: the overlay's upper layer, memfd files. Holds the
/// inode metadata; <see cref="MemFile"/>, <see cref="MemDirectory"/> and <see cref="MemSymlink"/> add
/// the contents.
/// </summary>
/// <remarks>Metadata is guarded by <see cref="Sync"/> (descriptions change size and times outside the
/// namespace lock).</remarks>
internal abstract class MemNode : FsNode
{
    /// <summary>Guards the metadata fields and the subclass's contents.</summary>
    protected readonly Lock Sync = new();
    private FileStat _stat;

    protected MemNode(MemoryFs fs, uint mode, uint uid, uint gid, long nowNs)
    {
        Fs = fs;
        var now = Timespec.FromNanoseconds(nowNs);
        _stat = new FileStat
        {
            DevMajor = 0,
            DevMinor = fs.DevMinor,
            Ino = fs.NextIno(),
            Mode = mode,
            Nlink = 0,
            Uid = uid,
            Gid = gid,
            BlockSize = 4096,
            Atime = now,
            Mtime = now,
            Ctime = now,
            Btime = now,
            Mask = FsAbi.StatxBasicStats | FsAbi.StatxBtime,
        };
    }

    public MemoryFs Fs { get; }

    public override uint FileType => _stat.Mode & FsAbi.SIfmt;

    public override object FileSystem => Fs;

    public uint Nlink
    {
        get
        {
            using (Sync.EnterScope())
            {
                return _stat.Nlink;
            }
        }
    }

    public override Errno GetStat(IFileSyscallContext ctx, out FileStat stat)
    {
        using (Sync.EnterScope())
        {
            stat = _stat;
            FillSizeLocked(ref stat);
        }
        return Errno.Ok;
    }

    public override Errno StatFs(out StatFs statfs)
    {
        statfs = Fs.StatFs();
        return Errno.Ok;
    }

    /// <summary>Size and blocks of the contents, under <see cref="Sync"/>.</summary>
    protected abstract void FillSizeLocked(ref FileStat stat);

    /// <summary>Copies identity and times from a lower file (overlay copy-up keeps st_dev/st_ino, so a
    /// program comparing them before and after a write sees the same file).</summary>
    public void AdoptIdentity(in FileStat lower)
    {
        using (Sync.EnterScope())
        {
            _stat.DevMajor = lower.DevMajor;
            _stat.DevMinor = lower.DevMinor;
            _stat.Ino = lower.Ino;
            _stat.Mode = lower.Mode;
            _stat.Uid = lower.Uid;
            _stat.Gid = lower.Gid;
            _stat.Atime = lower.Atime;
            _stat.Mtime = lower.Mtime;
            _stat.Ctime = lower.Ctime;
            _stat.Btime = (lower.Mask & FsAbi.StatxBtime) != 0 ? lower.Btime : lower.Ctime;
        }
    }

    public void AddLink(int delta, long nowNs)
    {
        using (Sync.EnterScope())
        {
            _stat.Nlink = (uint)((int)_stat.Nlink + delta);
            _stat.Ctime = Timespec.FromNanoseconds(nowNs);
        }
    }

    /// <summary>A content change: mtime and ctime become now.</summary>
    protected void TouchLocked(long nowNs)
    {
        var now = Timespec.FromNanoseconds(nowNs);
        _stat.Mtime = now;
        _stat.Ctime = now;
    }

    protected uint ModeLocked => _stat.Mode;

    public override Errno SetMode(IFileSyscallContext ctx, uint mode)
    {
        using (Sync.EnterScope())
        {
            if (!PermissionRules.IsOwner(ctx, _stat.Uid))
            {
                return Errno.EPERM;
            }
            _stat.Mode = (_stat.Mode & FsAbi.SIfmt) | PermissionRules.ChmodMode(ctx, _stat, mode);
            _stat.Ctime = Timespec.FromNanoseconds(ctx.RealtimeNanoseconds);
            return Errno.Ok;
        }
    }

    public override Errno SetOwner(IFileSyscallContext ctx, uint uid, uint gid)
    {
        using (Sync.EnterScope())
        {
            var err = PermissionRules.CheckChown(ctx, _stat, uid, gid);
            if (err != Errno.Ok)
            {
                return err;
            }
            if (uid != uint.MaxValue)
            {
                _stat.Uid = uid;
            }
            if (gid != uint.MaxValue)
            {
                _stat.Gid = gid;
            }
            if ((uid != uint.MaxValue || gid != uint.MaxValue) && !IsDirectory)
            {
                // A chown of a non-directory drops set-user-ID (and set-group-ID if group-executable).
                _stat.Mode &= ~FsAbi.SIsuid;
                if ((_stat.Mode & 0x8) != 0)
                {
                    _stat.Mode &= ~FsAbi.SIsgid;
                }
            }
            _stat.Ctime = Timespec.FromNanoseconds(ctx.RealtimeNanoseconds);
            return Errno.Ok;
        }
    }

    public override Errno SetTimes(IFileSyscallContext ctx, Timespec atime, Timespec mtime, bool explicitTimes)
    {
        using (Sync.EnterScope())
        {
            if (explicitTimes ? !PermissionRules.IsOwner(ctx, _stat.Uid)
                : !PermissionRules.IsOwner(ctx, _stat.Uid) && PermissionRules.Check(ctx, _stat, FsAbi.WOk) != Errno.Ok)
            {
                return explicitTimes ? Errno.EPERM : Errno.EACCES;
            }
            long now = ctx.RealtimeNanoseconds;
            if (atime.Nanoseconds != FsAbi.UtimeOmit)
            {
                _stat.Atime = atime.Nanoseconds == FsAbi.UtimeNow ? Timespec.FromNanoseconds(now) : atime;
            }
            if (mtime.Nanoseconds != FsAbi.UtimeOmit)
            {
                _stat.Mtime = mtime.Nanoseconds == FsAbi.UtimeNow ? Timespec.FromNanoseconds(now) : mtime;
            }
            _stat.Ctime = Timespec.FromNanoseconds(now);
            return Errno.Ok;
        }
    }
}

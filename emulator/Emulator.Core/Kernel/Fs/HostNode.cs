using System.Buffers;
using System.Buffers.Binary;
using System.Text;
using Emulator.Core.Diagnostics;

namespace Emulator.Core.Kernel.Fs;

/// <summary>
/// A file of the host, named by its host path (the root directory followed by the canonical guest
/// path). Every component of that path was looked up by the emulator with lstat, so it holds only real
/// directories and the host never follows a symlink for the guest: the last component is used with
/// O_NOFOLLOW or an *at call that does not follow.
/// </summary>
/// <remarks>
/// <para>The host checks permissions (the guest acts as the invoking user). Under the overlay the node
/// is not <see cref="Writable"/>: every changing operation answers EROFS before reaching the host — the
/// overlay layer never calls them, so this is the second fence.</para>
/// <para>Host nodes other than regular files, directories and symlinks (FIFOs, sockets, devices) can be
/// looked up and stat'ed but not opened: a FIFO would block the emulator and a device is not the
/// guest's to use.</para>
/// </remarks>
internal sealed class HostNode : FsNode
{
    private readonly GuestFileSystem _fs;
    private readonly FileStat _stat;

    public HostNode(GuestFileSystem fs, string hostPath, in FileStat stat, bool writable)
    {
        _fs = fs;
        HostPath = hostPath;
        _stat = stat;
        Writable = writable;
    }

    public string HostPath { get; }

    /// <summary>False under the overlay: the host is never changed through this node.</summary>
    public bool Writable { get; }

    /// <summary>The lstat taken when the node was looked up.</summary>
    public FileStat LookupStat => _stat;

    public override uint FileType => _stat.Type;

    public override object FileSystem => _fs.HostIdentity;

    private string Child(string name) => HostPath == "/" ? "/" + name : HostPath + "/" + name;

    public override Errno GetStat(IFileSyscallContext ctx, out FileStat stat) => HostLibc.Stat(HostPath, follow: false, out stat);

    public override Errno StatFs(out StatFs statfs) => HostLibc.StatFs(HostPath, out statfs);

    public override Errno Permission(IFileSyscallContext ctx, int mask)
    {
        var err = HostLibc.Access(HostPath, mask);
        // A read-only host mount does not stop the overlay, whose writes go to memory.
        return err == Errno.EROFS && !Writable ? Errno.Ok : err;
    }

    public override Errno Lookup(IFileSyscallContext ctx, string name, out FsNode? child)
    {
        child = null;
        string path = Child(name);
        var err = HostLibc.Stat(path, follow: false, out var st);
        if (err != Errno.Ok)
        {
            return err;
        }
        child = new HostNode(_fs, path, st, Writable);
        return Errno.Ok;
    }

    public override Errno ListEntries(IFileSyscallContext ctx, List<DirEntry> entries)
    {
        int fd = HostLibc.Open(HostPath, FsAbi.ORdOnly | FsAbi.ODirectory | FsAbi.ONofollow, 0, out var err);
        if (fd < 0)
        {
            return err;
        }
        byte[] buffer = ArrayPool<byte>.Shared.Rent(64 * 1024);
        try
        {
            while (true)
            {
                long n = HostLibc.GetDents64(fd, buffer);
                if (n < 0)
                {
                    return (Errno)(int)-n;
                }
                if (n == 0)
                {
                    return Errno.Ok;
                }
                for (int at = 0; at < n;)
                {
                    var rec = buffer.AsSpan(at);
                    int reclen = BinaryPrimitives.ReadUInt16LittleEndian(rec[DirentLayout.OffsetReclen..]);
                    var nameBytes = rec[DirentLayout.OffsetName64..reclen];
                    int nul = nameBytes.IndexOf((byte)0);
                    string name = Encoding.Latin1.GetString(nul >= 0 ? nameBytes[..nul] : nameBytes);
                    if (name is not "." and not "..")
                    {
                        entries.Add(new DirEntry(name, BinaryPrimitives.ReadUInt64LittleEndian(rec), rec[DirentLayout.OffsetType64]));
                    }
                    at += reclen;
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
            HostLibc.Close(fd);
        }
    }

    /// <summary>The host flags for opening the last component: the guest's access mode and data flags,
    /// never following a symlink and never acquiring a controlling terminal. O_DIRECT is dropped (the
    /// emulator's bounce buffers are not sector-aligned; it is a caching hint).</summary>
    private static int HostOpenFlags(int flags) =>
        (flags & (FsAbi.OAccMode | FsAbi.OTrunc | FsAbi.OAppend | FsAbi.ODsync | FsAbi.OSync | FsAbi.ONoatime))
        | FsAbi.ONofollow | FsAbi.ONoCtty | FsAbi.OLargefile;

    public override Errno CreateAndOpen(IFileSyscallContext ctx, string name, uint mode, int flags, string path, out FileDescription? file)
    {
        file = null;
        if (!Writable)
        {
            return Errno.EROFS;
        }
        string hostPath = Child(name);
        int fd = HostLibc.Open(hostPath, HostOpenFlags(flags) | FsAbi.OCreat | FsAbi.OExcl, mode, out var err);
        if (fd < 0)
        {
            return err;
        }
        if ((mode & _fs.HostUmask) != 0)
        {
            // The host applied the emulator's own umask on top of the guest's: restore the guest's mode.
            HostLibc.Fchmod(fd, mode);
        }
        HostLibc.Fstat(fd, out var st);
        file = new HostFile(fd, new HostNode(_fs, hostPath, st, Writable), flags, path, Writable ? _fs.SharedHostFiles : null);
        return Errno.Ok;
    }

    public override Errno MakeDirectory(IFileSyscallContext ctx, string name, uint mode)
    {
        if (!Writable)
        {
            return Errno.EROFS;
        }
        string path = Child(name);
        var err = HostLibc.Mkdir(path, mode);
        if (err == Errno.Ok && (mode & _fs.HostUmask) != 0)
        {
            HostLibc.Chmod(path, mode);
        }
        return err;
    }

    public override Errno MakeSymlink(IFileSyscallContext ctx, string name, string target) =>
        Writable ? HostLibc.Symlink(target, Child(name)) : Errno.EROFS;

    public override Errno MakeLink(IFileSyscallContext ctx, string name, FsNode existing)
    {
        if (!Writable)
        {
            return Errno.EROFS;
        }
        return existing is HostNode h ? HostLibc.Link(h.HostPath, Child(name)) : Errno.EXDEV;
    }

    public override Errno Remove(IFileSyscallContext ctx, string name, FsNode child, bool directory) =>
        Writable ? HostLibc.Unlink(Child(name), directory) : Errno.EROFS;

    public override Errno Rename(IFileSyscallContext ctx, string name, FsNode child, FsNode newParent, string newName,
        FsNode? target, uint flags)
    {
        if (!Writable)
        {
            return Errno.EROFS;
        }
        return newParent is HostNode to ? HostLibc.Rename(Child(name), to.Child(newName), flags) : Errno.EXDEV;
    }

    public override Errno ReadLink(IFileSyscallContext ctx, out string target) => HostLibc.ReadLink(HostPath, out target);

    public override Errno Open(IFileSyscallContext ctx, int flags, string path, ulong parentIno, out FileDescription? file)
    {
        file = null;
        bool writes = (flags & FsAbi.OAccMode) != FsAbi.ORdOnly || (flags & FsAbi.OTrunc) != 0;
        if (writes && !Writable)
        {
            return Errno.EROFS;
        }
        switch (_stat.Type)
        {
            case FsAbi.SIfdir:
            {
                // Linux needs read permission to open a directory: let the host say so.
                int probe = HostLibc.Open(HostPath, FsAbi.ORdOnly | FsAbi.ODirectory | FsAbi.ONofollow, 0, out var err);
                if (probe < 0)
                {
                    return err;
                }
                HostLibc.Close(probe);
                file = new DirectoryFile(_fs, this, flags, path, parentIno);
                return Errno.Ok;
            }
            case FsAbi.SIfreg:
            {
                int fd = HostLibc.Open(HostPath, HostOpenFlags(flags), 0, out var err);
                if (fd < 0)
                {
                    return err;
                }
                file = new HostFile(fd, this, flags, path, Writable ? _fs.SharedHostFiles : null);
                return Errno.Ok;
            }
            case FsAbi.SIfsock:
                return Errno.ENXIO;
            default:
                Log.Unimplemented.Info("open {0}: host FIFOs and device nodes are not opened for the guest (EACCES)",
                    HostLibc.ToHostString(HostPath));
                return Errno.EACCES;
        }
    }

    public override Errno SetMode(IFileSyscallContext ctx, uint mode) => Writable ? HostLibc.Chmod(HostPath, mode) : Errno.EROFS;

    public override Errno SetOwner(IFileSyscallContext ctx, uint uid, uint gid) => Writable ? HostLibc.Chown(HostPath, uid, gid) : Errno.EROFS;

    public override Errno SetTimes(IFileSyscallContext ctx, Timespec atime, Timespec mtime, bool explicitTimes) =>
        Writable ? HostLibc.Utimens(HostPath, atime, mtime) : Errno.EROFS;

    public override Errno Truncate(IFileSyscallContext ctx, long length) => Writable ? HostLibc.Truncate(HostPath, length) : Errno.EROFS;
}

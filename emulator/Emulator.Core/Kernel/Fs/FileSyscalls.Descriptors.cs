using System.Buffers.Binary;
using Emulator.Core.Diagnostics;
using static Emulator.Core.Kernel.Fs.FsAbi;

namespace Emulator.Core.Kernel.Fs;

public sealed partial class FileSyscalls
{
    /// <summary>The flags O_PATH keeps (O_PATH_FLAGS).</summary>
    private const int OPathFlags = ODirectory | ONofollow | OPath | OCloexec;

    // memfd_create: MFD_ALL_FLAGS and the hugetlb size field (MFD_HUGE_MASK << MFD_HUGE_SHIFT).
    private const uint MfdAllFlags = MfdCloexec | MfdAllowSealing | MfdHugetlb | MfdNoexecSeal | MfdExec;
    private const uint MfdHugeSizeMask = 0x3fu << 26;
    private const int MfdNameMax = NameMax - 6; // NAME_MAX - strlen("memfd:")

    /// <summary>open/openat/creat: unknown flags are dropped, O_CREAT|O_DIRECTORY and malformed O_TMPFILE
    /// are EINVAL, and a full table is EMFILE before the path is even read.</summary>
    private long OpenAt(IFileSyscallContext ctx, int dirfd, ulong pathVa, int flags, uint mode)
    {
        flags &= ValidOpenFlags;
        if ((flags & 0x40_0000) != 0)
        {
            // __O_TMPFILE: must come with O_DIRECTORY, without O_CREAT, and for writing.
            if ((flags & (OTmpfile | OCreat)) != OTmpfile || (flags & OAccMode) == ORdOnly)
            {
                return Ret(Errno.EINVAL);
            }
            Log.Unimplemented.Info("open: O_TMPFILE is not supported (EOPNOTSUPP; callers fall back to a named file)");
            return Ret(Errno.EOPNOTSUPP);
        }
        if ((flags & OPath) != 0)
        {
            flags &= OPathFlags;
        }
        if ((flags & (OCreat | ODirectory)) == (OCreat | ODirectory))
        {
            return Ret(Errno.EINVAL);
        }
        if (!ctx.Files.HasFree())
        {
            return Ret(Errno.EMFILE);
        }
        var err = ReadNonEmptyPath(ctx, pathVa, out string path);
        if (err != Errno.Ok)
        {
            return Ret(err);
        }
        err = _fs.Open(ctx, dirfd, path, flags, mode, out var file);
        if (err != Errno.Ok)
        {
            return Ret(err);
        }
        return InstallOrRelease(ctx, file!, (flags & OCloexec) != 0);
    }

    private static long InstallOrRelease(IFileSyscallContext ctx, FileDescription file, bool cloexec, int minFd = 0)
    {
        int fd = ctx.Files.Install(file, cloexec, minFd);
        if (fd < 0)
        {
            file.Release();
        }
        return fd;
    }

    private static long CloseRangeCall(IFileSyscallContext ctx, uint first, uint last, uint flags)
    {
        if ((flags & ~(CloseRangeUnshare | CloseRangeCloexec)) != 0 || first > last)
        {
            return Ret(Errno.EINVAL);
        }
        var table = (flags & CloseRangeUnshare) != 0 ? ctx.UnshareFiles() : ctx.Files;
        table.CloseRange(first, last, (flags & CloseRangeCloexec) != 0);
        return 0;
    }

    private static long DupCall(IFileSyscallContext ctx, int fd)
    {
        var file = ctx.Files.Acquire(fd);
        return file is null ? Ret(Errno.EBADF) : InstallOrRelease(ctx, file, cloexec: false);
    }

    /// <summary>dup2: the same number is a validity check only.</summary>
    private static long Dup2Call(IFileSyscallContext ctx, int oldFd, int newFd)
    {
        if (oldFd == newFd)
        {
            return ctx.Files.Peek(oldFd) is null ? Ret(Errno.EBADF) : newFd;
        }
        return ctx.Files.Duplicate(oldFd, newFd, closeOnExec: false);
    }

    private static long Dup3Call(IFileSyscallContext ctx, int oldFd, int newFd, int flags)
    {
        if ((flags & ~OCloexec) != 0 || oldFd == newFd)
        {
            return Ret(Errno.EINVAL);
        }
        return ctx.Files.Duplicate(oldFd, newFd, (flags & OCloexec) != 0);
    }

    /// <summary>fcntl. Record locks are accepted and never conflict (the emulator runs one guest whose
    /// processes it schedules itself); an O_PATH descriptor allows only the descriptor commands (EBADF).</summary>
    private static long FcntlCall(IFileSyscallContext ctx, int fd, int cmd, ulong arg)
    {
        var file = ctx.Files.Acquire(fd);
        if (file is null)
        {
            return Ret(Errno.EBADF);
        }
        try
        {
            if (file.IsPathOnly && cmd is not (FDupfd or FDupfdCloexec or FGetfd or FSetfd or FGetfl))
            {
                return Ret(Errno.EBADF);
            }
            switch (cmd)
            {
                case FDupfd:
                case FDupfdCloexec:
                    if (arg >= (ulong)ctx.Files.Limit)
                    {
                        return Ret(Errno.EINVAL);
                    }
                    return InstallOrRelease(ctx, file.AddReference(), cmd == FDupfdCloexec, (int)arg);
                case FGetfd:
                    return ctx.Files.GetCloseOnExec(fd) == true ? FdCloexec : 0;
                case FSetfd:
                    return ctx.Files.SetCloseOnExec(fd, (arg & FdCloexec) != 0) ? 0 : Ret(Errno.EBADF);
                case FGetfl:
                    return file.Flags;
                case FSetfl:
                    return Ret(file.SetStatusFlags((int)arg));
                case FGetlk or FSetlk or FSetlkw or FOfdGetlk or FOfdSetlk or FOfdSetlkw:
                    return RecordLock(ctx, file, cmd, arg);
                case FGetpipeSz:
                    return file is PipeEnd p ? p.Pipe.Capacity : Ret(Errno.EBADF);
                case FSetpipeSz:
                    return file is PipeEnd q ? q.Pipe.Resize((long)(uint)arg) : Ret(Errno.EBADF);
                case FAddSeals:
                    return AddSeals(file, (int)arg);
                case FGetSeals:
                    return file is MemFileDescription { File.MemfdName: not null } m ? m.File.Seals : Ret(Errno.EINVAL);
                case FGetown or FGetsig:
                    return 0;
                case FSetown:
                    return 0;
                case FSetsig:
                    return arg > 64 ? Ret(Errno.EINVAL) : 0;
                case FGetlease:
                    return FUnlck;
                default:
                    Log.Unimplemented.Debug("fcntl command {0} is not implemented (EINVAL)", cmd);
                    return Ret(Errno.EINVAL);
            }
        }
        finally
        {
            file.Release();
        }
    }

    /// <summary>struct flock (32 bytes: l_type s16 at 0, l_whence s16 at 2, l_start at 8, l_len at 16,
    /// l_pid s32 at 24): validated as Linux does, then GETLK answers "no conflicting lock" (F_UNLCK) and
    /// SETLK/SETLKW succeed.</summary>
    private static long RecordLock(IFileSyscallContext ctx, FileDescription file, int cmd, ulong arg)
    {
        Span<byte> b = stackalloc byte[32];
        var err = ReadUser(ctx, arg, b);
        if (err != Errno.Ok)
        {
            return Ret(err);
        }
        short type = BinaryPrimitives.ReadInt16LittleEndian(b);
        short whence = BinaryPrimitives.ReadInt16LittleEndian(b[2..]);
        int pid = BinaryPrimitives.ReadInt32LittleEndian(b[24..]);
        bool ofd = cmd is FOfdGetlk or FOfdSetlk or FOfdSetlkw;
        if ((uint)whence > SeekEnd || (ofd && pid != 0))
        {
            return Ret(Errno.EINVAL);
        }
        if (cmd is FGetlk or FOfdGetlk)
        {
            if (type != FRdlck && type != FWrlck)
            {
                return Ret(Errno.EINVAL);
            }
            BinaryPrimitives.WriteInt16LittleEndian(b, FUnlck);
            return Ret(WriteUser(ctx, arg, b));
        }
        switch (type)
        {
            case FRdlck:
                return file.CanRead ? 0 : Ret(Errno.EBADF);
            case FWrlck:
                return file.CanWrite ? 0 : Ret(Errno.EBADF);
            case FUnlck:
                return 0;
            default:
                return Ret(Errno.EINVAL);
        }
    }

    private static long AddSeals(FileDescription file, int seals)
    {
        if (file is not MemFileDescription { File.MemfdName: not null } m)
        {
            return Ret(Errno.EINVAL);
        }
        if (!file.CanWrite)
        {
            return Ret(Errno.EPERM);
        }
        if ((seals & ~(FSealSeal | FSealShrink | FSealGrow | FSealWrite | FSealFutureWrite | FSealExec)) != 0)
        {
            return Ret(Errno.EINVAL);
        }
        return Ret(m.File.AddSeals(seals));
    }

    /// <summary>pipe/pipe2: O_CLOEXEC and O_NONBLOCK; packet mode (O_DIRECT) is not implemented.</summary>
    private long PipeCall(IFileSyscallContext ctx, ulong fdsVa, int flags)
    {
        if ((flags & ~(OCloexec | ONonblock)) != 0)
        {
            if ((flags & ~(OCloexec | ONonblock | ODirect)) == 0)
            {
                Log.Unimplemented.Info("pipe2: O_DIRECT (packet mode) is not implemented (EINVAL)");
            }
            return Ret(Errno.EINVAL);
        }
        var pipe = new Pipe(_fs.NextPipeIno(), ctx.RealtimeNanoseconds);
        var reader = new PipeEnd(pipe, reader: true, flags) { Uid = ctx.Uid, Gid = ctx.Gid };
        var writer = new PipeEnd(pipe, reader: false, flags) { Uid = ctx.Uid, Gid = ctx.Gid };
        bool cloexec = (flags & OCloexec) != 0;
        int r = ctx.Files.Install(reader, cloexec);
        if (r < 0)
        {
            reader.Release();
            writer.Release();
            return r;
        }
        int w = ctx.Files.Install(writer, cloexec);
        if (w < 0)
        {
            ctx.Files.Close(r);
            writer.Release();
            return w;
        }
        Span<byte> b = stackalloc byte[8];
        BinaryPrimitives.WriteInt32LittleEndian(b, r);
        BinaryPrimitives.WriteInt32LittleEndian(b[4..], w);
        if (WriteUser(ctx, fdsVa, b) != Errno.Ok)
        {
            ctx.Files.Close(r);
            ctx.Files.Close(w);
            return Ret(Errno.EFAULT);
        }
        return 0;
    }

    /// <summary>memfd_create: an anonymous in-memory file, mode 0777, shown as <c>/memfd:NAME (deleted)</c>.</summary>
    private long MemfdCreateCall(IFileSyscallContext ctx, ulong nameVa, uint flags)
    {
        uint allowed = (flags & MfdHugetlb) != 0 ? MfdAllFlags | MfdHugeSizeMask : MfdAllFlags;
        if ((flags & ~allowed) != 0 || (flags & (MfdNoexecSeal | MfdExec)) == (MfdNoexecSeal | MfdExec))
        {
            return Ret(Errno.EINVAL);
        }
        var err = ReadPath(ctx, nameVa, out string name);
        if (err == Errno.ENAMETOOLONG || name.Length > MfdNameMax)
        {
            return Ret(Errno.EINVAL);
        }
        if (err != Errno.Ok)
        {
            return Ret(err);
        }
        bool noexec = (flags & MfdNoexecSeal) != 0;
        uint mode = noexec ? 0x1ffu & ~0x49u : 0x1ffu;
        var file = new MemFile(_fs.Memory, mode, ctx.Uid, ctx.Gid, ctx.RealtimeNanoseconds,
            sealable: (flags & MfdAllowSealing) != 0 || noexec) { MemfdName = name };
        if (noexec)
        {
            file.AddSeals(FSealExec);
        }
        var description = new MemFileDescription(file, ORdWr, $"/memfd:{name} (deleted)");
        return InstallOrRelease(ctx, description, (flags & MfdCloexec) != 0);
    }
}

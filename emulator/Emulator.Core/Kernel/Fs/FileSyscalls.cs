using System.Buffers.Binary;
using System.Text;
using Emulator.Core.Memory;
using static Emulator.Core.Kernel.Fs.FsAbi;

namespace Emulator.Core.Kernel.Fs;

/// <summary>
/// The Linux file system calls, x86-64 numbering, over a <see cref="GuestFileSystem"/>: the kernel hands
/// every system call to <see cref="TryHandle"/> first. Results are Linux's: the count or descriptor, or
/// -errno with the errno Linux returns for the same mistake; uapi struct layouts byte for byte.
/// </summary>
/// <remarks>
/// <para>Nothing the guest passes throws: a wild pointer is -EFAULT, an over-long path -ENAMETOOLONG, a
/// huge count is clamped to MAX_RW_COUNT and streamed in chunks.</para>
/// <para>Blocking calls follow the protocol of <see cref="IFileSyscallContext"/>.</para>
/// <para>Thread-safe: the object holds no per-call state.</para>
/// </remarks>
public sealed partial class FileSyscalls
{
    /// <summary>The value of <see cref="IFileSyscallContext.CallDeadline"/> before a call stored one.</summary>
    public const long Unset = long.MinValue;

    private readonly GuestFileSystem _fs;

    /// <summary>Whether a result is <see cref="IFileSyscallContext.Block"/>'s sentinel (below the errno range).</summary>
    public static bool IsBlocked(long result) => result < -4095;

    public FileSyscalls(GuestFileSystem fs)
    {
        ArgumentNullException.ThrowIfNull(fs);
        _fs = fs;
    }

    public GuestFileSystem FileSystem => _fs;

    /// <summary>
    /// Runs system call <paramref name="nr"/> if it is a file call, with the raw argument registers.
    /// </summary>
    /// <param name="nr">RAX: the x86-64 system call number.</param>
    /// <param name="a0">RDI.</param>
    /// <param name="a1">RSI.</param>
    /// <param name="a2">RDX.</param>
    /// <param name="a3">R10.</param>
    /// <param name="a4">R8.</param>
    /// <param name="a5">R9.</param>
    /// <param name="ctx">The calling thread.</param>
    /// <param name="result">The value for RAX (or <see cref="IFileSyscallContext.Block"/>'s sentinel).</param>
    /// <returns>False when <paramref name="nr"/> is not a file call, and for an ioctl on a kernel device
    /// (<see cref="DeviceFile"/>) that is not a descriptor-level command: the kernel handles those.</returns>
    public bool TryHandle(ulong nr, ulong a0, ulong a1, ulong a2, ulong a3, ulong a4, ulong a5, IFileSyscallContext ctx, out long result)
    {
        ArgumentNullException.ThrowIfNull(ctx);
        int fd = (int)a0;
        switch (nr)
        {
            case FsAbi.Read: result = ReadWrite(ctx, fd, a1, a2, write: false); return true;
            case FsAbi.Write: result = ReadWrite(ctx, fd, a1, a2, write: true); return true;
            case Readv: result = Vector(ctx, fd, a1, a2, Unset, write: false); return true;
            case Writev: result = Vector(ctx, fd, a1, a2, Unset, write: true); return true;
            case Pread64: result = Positional(ctx, fd, a1, a2, (long)a3, write: false); return true;
            case Pwrite64: result = Positional(ctx, fd, a1, a2, (long)a3, write: true); return true;
            case Preadv: result = VectorAt(ctx, fd, a1, a2, (long)a3, 0, v2: false, write: false); return true;
            case Pwritev: result = VectorAt(ctx, fd, a1, a2, (long)a3, 0, v2: false, write: true); return true;
            case Preadv2: result = VectorAt(ctx, fd, a1, a2, (long)a3, a5, v2: true, write: false); return true;
            case Pwritev2: result = VectorAt(ctx, fd, a1, a2, (long)a3, a5, v2: true, write: true); return true;
            case Lseek: result = Seek(ctx, fd, (long)a1, (int)a2); return true;
            case Sendfile: result = SendFile(ctx, fd, (int)a1, a2, a3); return true;
            case CopyFileRange: result = CopyFileRangeCall(ctx, fd, a1, (int)a2, a3, a4, (uint)a5); return true;
            case FsAbi.Open: result = OpenAt(ctx, AtFdcwd, a0, (int)a1, (uint)a2); return true;
            case Openat: result = OpenAt(ctx, (int)a0, a1, (int)a2, (uint)a3); return true;
            case Creat: result = OpenAt(ctx, AtFdcwd, a0, OCreat | OWrOnly | OTrunc, (uint)a1); return true;
            case Close: result = Ret(ctx.Files.Close(fd)); return true;
            case CloseRange: result = CloseRangeCall(ctx, (uint)a0, (uint)a1, (uint)a2); return true;
            case Dup: result = DupCall(ctx, fd); return true;
            case Dup2: result = Dup2Call(ctx, fd, (int)a1); return true;
            case Dup3: result = Dup3Call(ctx, fd, (int)a1, (int)a2); return true;
            case Fcntl: result = FcntlCall(ctx, fd, (int)a1, a2); return true;
            case FsAbi.Pipe: result = PipeCall(ctx, a0, 0); return true;
            case Pipe2: result = PipeCall(ctx, a0, (int)a1); return true;
            case MemfdCreate: result = MemfdCreateCall(ctx, a0, (uint)a1); return true;
            case FsAbi.Stat: result = StatPath(ctx, AtFdcwd, a0, a1, 0); return true;
            case Lstat: result = StatPath(ctx, AtFdcwd, a0, a1, AtSymlinkNofollow); return true;
            case Fstat: result = FstatCall(ctx, fd, a1); return true;
            case Newfstatat: result = NewFstatAt(ctx, (int)a0, a1, a2, (int)a3); return true;
            case Statx: result = StatxCall(ctx, (int)a0, a1, (int)a2, (uint)a3, a4); return true;
            case Statfs: result = StatFsPath(ctx, a0, a1); return true;
            case Fstatfs: result = FstatFsCall(ctx, fd, a1); return true;
            case Getdents64: result = GetDentsCall(ctx, fd, a1, a2, dirent64: true); return true;
            case Getdents: result = GetDentsCall(ctx, fd, a1, a2, dirent64: false); return true;
            case Readlink: result = ReadLinkAt(ctx, AtFdcwd, a0, a1, a2); return true;
            case Readlinkat: result = ReadLinkAt(ctx, (int)a0, a1, a2, a3); return true;
            case Access: result = AccessAt(ctx, AtFdcwd, a0, (int)a1, 0, checkFlags: false); return true;
            case Faccessat: result = AccessAt(ctx, (int)a0, a1, (int)a2, 0, checkFlags: false); return true;
            case Faccessat2: result = AccessAt(ctx, (int)a0, a1, (int)a2, (int)a3, checkFlags: true); return true;
            case Mkdir: result = MkdirAt(ctx, AtFdcwd, a0, (uint)a1); return true;
            case Mkdirat: result = MkdirAt(ctx, (int)a0, a1, (uint)a2); return true;
            case Rmdir: result = RemoveAt(ctx, AtFdcwd, a0, directory: true); return true;
            case Unlink: result = RemoveAt(ctx, AtFdcwd, a0, directory: false); return true;
            case Unlinkat: result = UnlinkAt(ctx, (int)a0, a1, (int)a2); return true;
            case Rename: result = RenameAt(ctx, AtFdcwd, a0, AtFdcwd, a1, 0); return true;
            case Renameat: result = RenameAt(ctx, (int)a0, a1, (int)a2, a3, 0); return true;
            case Renameat2: result = RenameAt(ctx, (int)a0, a1, (int)a2, a3, (uint)a4); return true;
            case Link: result = LinkAt(ctx, AtFdcwd, a0, AtFdcwd, a1, 0); return true;
            case Linkat: result = LinkAt(ctx, (int)a0, a1, (int)a2, a3, (int)a4); return true;
            case Symlink: result = SymlinkAt(ctx, a0, AtFdcwd, a1); return true;
            case Symlinkat: result = SymlinkAt(ctx, a0, (int)a1, a2); return true;
            case Chmod: result = ChmodAt(ctx, AtFdcwd, a0, (uint)a1, 0); return true;
            case Fchmod: result = FchmodCall(ctx, fd, (uint)a1); return true;
            case Fchmodat: result = ChmodAt(ctx, (int)a0, a1, (uint)a2, 0); return true;
            case Fchmodat2: result = ChmodAt(ctx, (int)a0, a1, (uint)a2, (int)a3); return true;
            case Chown: result = ChownAt(ctx, AtFdcwd, a0, (uint)a1, (uint)a2, 0); return true;
            case Lchown: result = ChownAt(ctx, AtFdcwd, a0, (uint)a1, (uint)a2, AtSymlinkNofollow); return true;
            case Fchown: result = FchownCall(ctx, fd, (uint)a1, (uint)a2); return true;
            case Fchownat: result = ChownAt(ctx, (int)a0, a1, (uint)a2, (uint)a3, (int)a4); return true;
            case Truncate: result = TruncatePath(ctx, a0, (long)a1); return true;
            case Ftruncate: result = FtruncateCall(ctx, fd, (long)a1); return true;
            case Fsync: result = FsyncCall(ctx, fd, dataOnly: false); return true;
            case Fdatasync: result = FsyncCall(ctx, fd, dataOnly: true); return true;
            case FsAbi.Sync: HostLibc.Sync(); result = 0; return true;
            case Syncfs: result = SyncFsCall(ctx, fd); return true;
            case Fallocate: result = FallocateCall(ctx, fd, (int)a1, (long)a2, (long)a3); return true;
            case Utimensat: result = UtimensAt(ctx, (int)a0, a1, a2, (int)a3); return true;
            case Futimesat: result = UtimesAt(ctx, (int)a0, a1, a2); return true;
            case Utimes: result = UtimesAt(ctx, AtFdcwd, a0, a1); return true;
            case Utime: result = UtimeCall(ctx, a0, a1); return true;
            case Getcwd: result = GetCwd(ctx, a0, a1); return true;
            case Chdir: result = ChdirCall(ctx, a0); return true;
            case Fchdir: result = FchdirCall(ctx, fd); return true;
            case Umask: result = ctx.Fs.ExchangeUmask((uint)a0); return true;
            case Fadvise64: result = FadviseCall(ctx, fd, (int)a3); return true;
            case Flock: result = FlockCall(ctx, fd, (int)a1); return true;
            case FsAbi.Poll: result = PollCall(ctx, a0, a1, (int)a2 < 0 ? long.MaxValue : (long)(int)a2 * 1_000_000, 0, ppoll: false); return true;
            case Ppoll: result = PpollCall(ctx, a0, a1, a2, a3, a4); return true;
            case Select: result = SelectCall(ctx, (int)a0, a1, a2, a3, a4); return true;
            case Pselect6: result = Pselect6Call(ctx, (int)a0, a1, a2, a3, a4, a5); return true;
            case Ioctl: return TryIoctl(a0, a1, a2, ctx, out result);
            default:
                result = 0;
                return false;
        }
    }

    private static long Ret(Errno err) => KernelErrno.Return(err);

    /// <summary>Reads a NUL-terminated path of at most PATH_MAX bytes (the NUL included), as getname does.</summary>
    /// <returns>Ok, EFAULT, or ENAMETOOLONG. An empty path is returned as "" (the caller decides ENOENT).</returns>
    internal static Errno ReadPath(IFileSyscallContext ctx, ulong va, out string path)
    {
        path = "";
        Span<byte> buf = stackalloc byte[PathMax];
        int len = 0;
        while (len < PathMax)
        {
            ulong at = va + (ulong)len;
            if (at < va || !UserIo.AccessOk(at, 1))
            {
                return Errno.EFAULT;
            }
            int chunk = (int)Math.Min((ulong)(PathMax - len), Page.Size - (at & Page.Mask));
            if (ctx.ReadUser(at, buf.Slice(len, chunk)) != Errno.Ok)
            {
                // The string may end before the unreadable part: only a fault before the NUL is EFAULT.
                return ReadPathBytewise(ctx, at, buf, len, out path);
            }
            int nul = buf.Slice(len, chunk).IndexOf((byte)0);
            if (nul >= 0)
            {
                path = Encoding.Latin1.GetString(buf[..(len + nul)]);
                return Errno.Ok;
            }
            len += chunk;
        }
        return Errno.ENAMETOOLONG;
    }

    private static Errno ReadPathBytewise(IFileSyscallContext ctx, ulong at, Span<byte> buf, int len, out string path)
    {
        path = "";
        for (; len < PathMax; len++, at++)
        {
            if (ctx.ReadUser(at, buf.Slice(len, 1)) != Errno.Ok)
            {
                return Errno.EFAULT;
            }
            if (buf[len] == 0)
            {
                path = Encoding.Latin1.GetString(buf[..len]);
                return Errno.Ok;
            }
        }
        return Errno.ENAMETOOLONG;
    }

    /// <summary>Reads a path that must not be empty (ENOENT), as most path calls require.</summary>
    private static Errno ReadNonEmptyPath(IFileSyscallContext ctx, ulong va, out string path)
    {
        var err = ReadPath(ctx, va, out path);
        return err == Errno.Ok && path.Length == 0 ? Errno.ENOENT : err;
    }

    /// <summary>copy_to_user of a whole struct: any fault makes the call EFAULT (bytes before it may be written).</summary>
    private static Errno WriteUser(IFileSyscallContext ctx, ulong va, ReadOnlySpan<byte> data) =>
        UserIo.AccessOk(va, (ulong)data.Length) && ctx.WriteUser(va, data) == Errno.Ok ? Errno.Ok : Errno.EFAULT;

    private static Errno ReadUser(IFileSyscallContext ctx, ulong va, Span<byte> data) =>
        UserIo.AccessOk(va, (ulong)data.Length) && ctx.ReadUser(va, data) == Errno.Ok ? Errno.Ok : Errno.EFAULT;

    private static long ReadLong(IFileSyscallContext ctx, ulong va, out Errno err)
    {
        Span<byte> b = stackalloc byte[8];
        err = ReadUser(ctx, va, b);
        return BinaryPrimitives.ReadInt64LittleEndian(b);
    }

    /// <summary>Runs <paramref name="body"/> with the description behind <paramref name="fd"/> held: EBADF
    /// if none, or if it is an O_PATH description and the call is not one of the few that accept those
    /// (Linux's fdget versus fdget_raw; <paramref name="raw"/> says the call accepts them).</summary>
    private static long WithFile<TState>(IFileSyscallContext ctx, int fd, TState state, Func<FileDescription, TState, long> body,
        bool raw = false)
    {
        var file = ctx.Files.Acquire(fd);
        if (file is null)
        {
            return Ret(Errno.EBADF);
        }
        if (file.IsPathOnly && !raw)
        {
            file.Release();
            return Ret(Errno.EBADF);
        }
        try
        {
            return body(file, state);
        }
        finally
        {
            file.Release();
        }
    }
}

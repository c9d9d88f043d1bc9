using System.Runtime.InteropServices;
using System.Text;

namespace Emulator.Core.Kernel.Fs;

/// <summary>
/// The host's libc, for the file calls that reach the host file system. Every wrapper returns an
/// <see cref="Errno"/> (or a count ≥ 0 / a negative errno) — a host failure never becomes an
/// exception. Paths are byte strings: each char of the .NET string is one byte (Latin-1), so any
/// Linux file name round-trips.
/// </summary>
/// <remarks>
/// <para>Linux hosts only (the errno numbers are the guest's). glibc ≥ 2.28 for statx, renameat2,
/// getdents64 (2.30) — Debian 12 has 2.36.</para>
/// <para>Every descriptor is opened O_CLOEXEC so a host child process (a test's gcc) never inherits it.</para>
/// </remarks>
internal static unsafe partial class HostLibc
{
    private const string Libc = "libc";
    public const int AtFdcwd = -100;

    public static bool Available => OperatingSystem.IsLinux();

    /// <summary>The NUL-terminated bytes of a byte-string path.</summary>
    public static byte[] Bytes(string path)
    {
        var b = new byte[path.Length + 1];
        Encoding.Latin1.GetBytes(path, b);
        return b;
    }

    /// <summary>A .NET (UTF-16) host path as a byte string (its UTF-8 bytes, one char each).</summary>
    public static string FromHostString(string path) => Encoding.Latin1.GetString(Encoding.UTF8.GetBytes(path));

    /// <summary>A byte string as a .NET string (UTF-8 decoding; for messages and host APIs).</summary>
    public static string ToHostString(string bytes) => Encoding.UTF8.GetString(Encoding.Latin1.GetBytes(bytes));

    private static Errno LastErrno() => (Errno)Marshal.GetLastPInvokeError();

    private static Errno Check(int rc) => rc < 0 ? LastErrno() : Errno.Ok;

    private static long Count(nint rc) => rc < 0 ? -(long)LastErrno() : rc;

    public static int Open(string path, int flags, uint mode, out Errno err)
    {
        fixed (byte* p = Bytes(path))
        {
            int fd = openat(AtFdcwd, p, flags | FsAbi.OCloexec, mode);
            err = fd < 0 ? LastErrno() : Errno.Ok;
            return fd;
        }
    }

    public static void Close(int fd) => close(fd);

    public static long Read(int fd, Span<byte> buffer)
    {
        fixed (byte* b = buffer)
        {
            return Count(read(fd, b, buffer.Length));
        }
    }

    public static long Write(int fd, ReadOnlySpan<byte> buffer)
    {
        fixed (byte* b = buffer)
        {
            return Count(write(fd, b, buffer.Length));
        }
    }

    public static long PRead(int fd, Span<byte> buffer, long offset)
    {
        fixed (byte* b = buffer)
        {
            return Count(pread(fd, b, buffer.Length, offset));
        }
    }

    public static long PWrite(int fd, ReadOnlySpan<byte> buffer, long offset)
    {
        fixed (byte* b = buffer)
        {
            return Count(pwrite(fd, b, buffer.Length, offset));
        }
    }

    public static long Seek(int fd, long offset, int whence)
    {
        long r = lseek(fd, offset, whence);
        return r < 0 ? -(long)LastErrno() : r;
    }

    public static Errno Ftruncate(int fd, long length) => Check(ftruncate(fd, length));

    public static Errno Truncate(string path, long length)
    {
        fixed (byte* p = Bytes(path))
        {
            return Check(truncate(p, length));
        }
    }

    public static Errno Fsync(int fd, bool dataOnly) => Check(dataOnly ? fdatasync(fd) : fsync(fd));

    public static Errno Fallocate(int fd, int mode, long offset, long length) => Check(fallocate(fd, mode, offset, length));

    /// <summary>The statx mask the emulator asks for when the guest did not say (stat, lstat, lookups).</summary>
    public const uint DefaultStatxMask = FsAbi.StatxBasicStats | FsAbi.StatxBtime;

    /// <summary>statx of <paramref name="path"/> (lstat with <paramref name="follow"/> false).</summary>
    public static Errno Stat(string path, bool follow, out FileStat st) => Stat(path, follow, DefaultStatxMask, out st);

    /// <summary>statx of <paramref name="path"/> asking for <paramref name="mask"/> (the guest's own
    /// request, so the answer's stx_mask is the one the guest would get natively).</summary>
    public static Errno Stat(string path, bool follow, uint mask, out FileStat st)
    {
        byte* buf = stackalloc byte[StatLayout.StatxSize];
        fixed (byte* p = Bytes(path))
        {
            int rc = statx(AtFdcwd, p, (follow ? 0 : FsAbi.AtSymlinkNofollow) | FsAbi.AtNoAutomount, mask, buf);
            st = rc < 0 ? default : StatLayout.ReadStatx(new ReadOnlySpan<byte>(buf, StatLayout.StatxSize));
            return Check(rc);
        }
    }

    /// <summary>statx of an open descriptor.</summary>
    public static Errno Fstat(int fd, out FileStat st) => Fstat(fd, DefaultStatxMask, out st);

    /// <summary>statx of an open descriptor asking for <paramref name="mask"/>.</summary>
    public static Errno Fstat(int fd, uint mask, out FileStat st)
    {
        byte* buf = stackalloc byte[StatLayout.StatxSize];
        byte empty = 0;
        int rc = statx(fd, &empty, FsAbi.AtEmptyPath, mask, buf);
        st = rc < 0 ? default : StatLayout.ReadStatx(new ReadOnlySpan<byte>(buf, StatLayout.StatxSize));
        return Check(rc);
    }

    /// <summary>getdents64 into <paramref name="buffer"/>: bytes filled, 0 at the end, or -errno.</summary>
    public static long GetDents64(int fd, Span<byte> buffer)
    {
        fixed (byte* b = buffer)
        {
            return Count(getdents64(fd, b, (nuint)buffer.Length));
        }
    }

    public static Errno Mkdir(string path, uint mode)
    {
        fixed (byte* p = Bytes(path))
        {
            return Check(mkdirat(AtFdcwd, p, mode));
        }
    }

    public static Errno Unlink(string path, bool directory)
    {
        fixed (byte* p = Bytes(path))
        {
            return Check(unlinkat(AtFdcwd, p, directory ? FsAbi.AtRemovedir : 0));
        }
    }

    public static Errno Rename(string from, string to, uint flags)
    {
        fixed (byte* f = Bytes(from))
        fixed (byte* t = Bytes(to))
        {
            return Check(renameat2(AtFdcwd, f, AtFdcwd, t, flags));
        }
    }

    public static Errno Link(string existing, string path)
    {
        fixed (byte* e = Bytes(existing))
        fixed (byte* p = Bytes(path))
        {
            return Check(linkat(AtFdcwd, e, AtFdcwd, p, 0));
        }
    }

    public static Errno Symlink(string target, string path)
    {
        fixed (byte* t = Bytes(target))
        fixed (byte* p = Bytes(path))
        {
            return Check(symlinkat(t, AtFdcwd, p));
        }
    }

    /// <summary>readlink: the target as a byte string.</summary>
    public static Errno ReadLink(string path, out string target)
    {
        byte* buf = stackalloc byte[FsAbi.PathMax];
        fixed (byte* p = Bytes(path))
        {
            nint n = readlinkat(AtFdcwd, p, buf, FsAbi.PathMax);
            target = n < 0 ? "" : Encoding.Latin1.GetString(buf, (int)n);
            return n < 0 ? LastErrno() : Errno.Ok;
        }
    }

    public static Errno Chmod(string path, uint mode)
    {
        fixed (byte* p = Bytes(path))
        {
            return Check(fchmodat(AtFdcwd, p, mode, 0));
        }
    }

    public static Errno Fchmod(int fd, uint mode) => Check(fchmod(fd, mode));

    /// <summary>lchown (the emulator resolved the path; the last component is never followed).</summary>
    public static Errno Chown(string path, uint uid, uint gid)
    {
        fixed (byte* p = Bytes(path))
        {
            return Check(fchownat(AtFdcwd, p, uid, gid, FsAbi.AtSymlinkNofollow));
        }
    }

    public static Errno Fchown(int fd, uint uid, uint gid) => Check(fchown(fd, uid, gid));

    /// <summary>utimensat without following the last component (UTIME_NOW / UTIME_OMIT allowed in the
    /// nanoseconds).</summary>
    public static Errno Utimens(string path, Timespec atime, Timespec mtime)
    {
        long* t = stackalloc long[4] { atime.Seconds, atime.Nanoseconds, mtime.Seconds, mtime.Nanoseconds };
        fixed (byte* p = Bytes(path))
        {
            return Check(utimensat(AtFdcwd, p, t, FsAbi.AtSymlinkNofollow));
        }
    }

    public static Errno Futimens(int fd, Timespec atime, Timespec mtime)
    {
        long* t = stackalloc long[4] { atime.Seconds, atime.Nanoseconds, mtime.Seconds, mtime.Nanoseconds };
        return Check(futimens(fd, t));
    }

    /// <summary>faccessat(AT_EACCESS) on a path the emulator resolved (its last component is not a symlink).</summary>
    public static Errno Access(string path, int mode)
    {
        fixed (byte* p = Bytes(path))
        {
            return Check(faccessat(AtFdcwd, p, mode, FsAbi.AtEaccess));
        }
    }

    public static Errno StatFs(string path, out StatFs st)
    {
        byte* buf = stackalloc byte[Fs.StatFs.Size];
        fixed (byte* p = Bytes(path))
        {
            int rc = statfs(p, buf);
            st = rc < 0 ? default : Fs.StatFs.Read(new ReadOnlySpan<byte>(buf, Fs.StatFs.Size));
            return Check(rc);
        }
    }

    public static Errno FstatFs(int fd, out StatFs st)
    {
        byte* buf = stackalloc byte[Fs.StatFs.Size];
        int rc = fstatfs(fd, buf);
        st = rc < 0 ? default : Fs.StatFs.Read(new ReadOnlySpan<byte>(buf, Fs.StatFs.Size));
        return Check(rc);
    }

    /// <summary>ioctl with a pointer argument (TCGETS, TIOCGWINSZ, TCSETS…).</summary>
    public static Errno Ioctl(int fd, uint request, Span<byte> argument)
    {
        fixed (byte* a = argument)
        {
            return Check(ioctl(fd, request, a));
        }
    }

    public static bool IsTerminal(int fd) => isatty(fd) == 1;

    /// <summary>fcntl(F_DUPFD_CLOEXEC): a second descriptor for the same open file (its access mode
    /// and offset), or −1 with <paramref name="err"/>.</summary>
    public static int Dup(int fd, out Errno err)
    {
        int r = fcntl(fd, FsAbi.FDupfdCloexec, 0);
        err = r < 0 ? (Errno)Marshal.GetLastPInvokeError() : Errno.Ok;
        return r;
    }

    /// <summary>fcntl(F_SETFL) on a host descriptor (O_APPEND / O_NONBLOCK follow the guest's F_SETFL).</summary>
    public static Errno SetFl(int fd, int flags) => Check(fcntl(fd, FsAbi.FSetfl, flags));

    public static void Sync() => sync();

    public static Errno SyncFs(int fd) => Check(syncfs(fd));

    public static uint GetUid() => getuid();

    public static uint GetGid() => getgid();

    // The imports. SetLastError captures errno right after the call.
    [LibraryImport(Libc, SetLastError = true)] private static partial int openat(int dirfd, byte* path, int flags, uint mode);
    [LibraryImport(Libc, SetLastError = true)] private static partial int close(int fd);
    [LibraryImport(Libc, SetLastError = true)] private static partial nint read(int fd, byte* buf, nint count);
    [LibraryImport(Libc, SetLastError = true)] private static partial nint write(int fd, byte* buf, nint count);
    [LibraryImport(Libc, SetLastError = true)] private static partial nint pread(int fd, byte* buf, nint count, long offset);
    [LibraryImport(Libc, SetLastError = true)] private static partial nint pwrite(int fd, byte* buf, nint count, long offset);
    [LibraryImport(Libc, SetLastError = true)] private static partial long lseek(int fd, long offset, int whence);
    [LibraryImport(Libc, SetLastError = true)] private static partial int ftruncate(int fd, long length);
    [LibraryImport(Libc, SetLastError = true)] private static partial int truncate(byte* path, long length);
    [LibraryImport(Libc, SetLastError = true)] private static partial int fsync(int fd);
    [LibraryImport(Libc, SetLastError = true)] private static partial int fdatasync(int fd);
    [LibraryImport(Libc, SetLastError = true)] private static partial int fallocate(int fd, int mode, long offset, long length);
    [LibraryImport(Libc, SetLastError = true)] private static partial int statx(int dirfd, byte* path, int flags, uint mask, byte* buf);
    [LibraryImport(Libc, SetLastError = true)] private static partial nint getdents64(int fd, byte* buf, nuint count);
    [LibraryImport(Libc, SetLastError = true)] private static partial int mkdirat(int dirfd, byte* path, uint mode);
    [LibraryImport(Libc, SetLastError = true)] private static partial int unlinkat(int dirfd, byte* path, int flags);
    [LibraryImport(Libc, SetLastError = true)] private static partial int renameat2(int olddirfd, byte* oldpath, int newdirfd, byte* newpath, uint flags);
    [LibraryImport(Libc, SetLastError = true)] private static partial int linkat(int olddirfd, byte* oldpath, int newdirfd, byte* newpath, int flags);
    [LibraryImport(Libc, SetLastError = true)] private static partial int symlinkat(byte* target, int newdirfd, byte* linkpath);
    [LibraryImport(Libc, SetLastError = true)] private static partial nint readlinkat(int dirfd, byte* path, byte* buf, nint size);
    [LibraryImport(Libc, SetLastError = true)] private static partial int fchmodat(int dirfd, byte* path, uint mode, int flags);
    [LibraryImport(Libc, SetLastError = true)] private static partial int fchmod(int fd, uint mode);
    [LibraryImport(Libc, SetLastError = true)] private static partial int fchownat(int dirfd, byte* path, uint uid, uint gid, int flags);
    [LibraryImport(Libc, SetLastError = true)] private static partial int fchown(int fd, uint uid, uint gid);
    [LibraryImport(Libc, SetLastError = true)] private static partial int utimensat(int dirfd, byte* path, long* times, int flags);
    [LibraryImport(Libc, SetLastError = true)] private static partial int futimens(int fd, long* times);
    [LibraryImport(Libc, SetLastError = true)] private static partial int faccessat(int dirfd, byte* path, int mode, int flags);
    [LibraryImport(Libc, SetLastError = true)] private static partial int statfs(byte* path, byte* buf);
    [LibraryImport(Libc, SetLastError = true)] private static partial int fstatfs(int fd, byte* buf);
    [LibraryImport(Libc, SetLastError = true)] private static partial int ioctl(int fd, nuint request, byte* arg);
    [LibraryImport(Libc, SetLastError = true)] private static partial int isatty(int fd);
    [LibraryImport(Libc, SetLastError = true)] private static partial int fcntl(int fd, int cmd, long arg);
    [LibraryImport(Libc, SetLastError = true)] private static partial int syncfs(int fd);
    [LibraryImport(Libc)] private static partial void sync();
    [LibraryImport(Libc)] private static partial uint getuid();
    [LibraryImport(Libc)] private static partial uint getgid();
}

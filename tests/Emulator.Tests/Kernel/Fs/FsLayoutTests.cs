using System.Globalization;
using System.Runtime.Versioning;
using Emulator.Core.Kernel.Fs;
using static Emulator.Core.Kernel.Fs.FsAbi;

namespace Emulator.Tests.Kernel.Fs;

/// <summary>Every struct layout and number of <see cref="FsAbi"/> and the encoders, against gcc compiling
/// the kernel's uapi headers (and glibc's, for the few structs uapi does not export), plus
/// hand-computed bytes for the encoders.</summary>
[SupportedOSPlatform("linux")]
public class FsLayoutTests
{
    /// <summary>Compiles and runs a probe; returns its "name value" lines as a dictionary.</summary>
    private static Dictionary<string, long> Probe(string source)
    {
        var (_, exe) = Gcc.Compile(source, "-O0 -w", "probe");
        var values = new Dictionary<string, long>();
        foreach (string line in Gcc.Run(exe, "").Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var parts = line.Split(' ');
            values[parts[0]] = long.Parse(parts[1], CultureInfo.InvariantCulture);
        }
        return values;
    }

    private const string KernelProbe = """
        #include <stdio.h>
        #include <stddef.h>
        #include <asm/stat.h>
        #include <asm/statfs.h>
        #include <asm/termbits.h>
        #include <asm/termios.h>
        #include <asm/ioctls.h>
        #include <asm/unistd_64.h>
        #include <linux/stat.h>
        #include <linux/fcntl.h>
        #include <linux/fs.h>
        #include <linux/poll.h>
        #include <linux/uio.h>
        #include <linux/time_types.h>
        #include <linux/memfd.h>
        #include <linux/close_range.h>
        #include <linux/limits.h>
        #define P(name, v) printf("%s %lld\n", name, (long long)(v))
        #define O(s, f) P(#s "." #f, offsetof(struct s, f))
        #define S(s) P("sizeof." #s, sizeof(struct s))
        #define N(x) P(#x, x)
        int main(void)
        {
            S(stat); O(stat, st_dev); O(stat, st_ino); O(stat, st_nlink); O(stat, st_mode); O(stat, st_uid); O(stat, st_gid);
            O(stat, st_rdev); O(stat, st_size); O(stat, st_blksize); O(stat, st_blocks); O(stat, st_atime); O(stat, st_mtime); O(stat, st_ctime);
            S(statx); O(statx, stx_mask); O(statx, stx_blksize); O(statx, stx_attributes); O(statx, stx_nlink); O(statx, stx_uid);
            O(statx, stx_gid); O(statx, stx_mode); O(statx, stx_ino); O(statx, stx_size); O(statx, stx_blocks); O(statx, stx_attributes_mask);
            O(statx, stx_atime); O(statx, stx_btime); O(statx, stx_ctime); O(statx, stx_mtime); O(statx, stx_rdev_major); O(statx, stx_rdev_minor);
            O(statx, stx_dev_major); O(statx, stx_dev_minor); O(statx, stx_mnt_id);
            S(statfs); O(statfs, f_type); O(statfs, f_bsize); O(statfs, f_blocks); O(statfs, f_bfree); O(statfs, f_bavail); O(statfs, f_files);
            O(statfs, f_ffree); O(statfs, f_fsid); O(statfs, f_namelen); O(statfs, f_frsize); O(statfs, f_flags);
            S(pollfd); O(pollfd, fd); O(pollfd, events); O(pollfd, revents);
            S(iovec); S(__kernel_timespec); S(termios); O(termios, c_line); O(termios, c_cc); N(NCCS); S(winsize);
            S(flock); O(flock, l_type); O(flock, l_whence); O(flock, l_start); O(flock, l_len); O(flock, l_pid);
            N(O_CREAT); N(O_EXCL); N(O_NOCTTY); N(O_TRUNC); N(O_APPEND); N(O_NONBLOCK); N(O_DSYNC); N(FASYNC); N(O_DIRECT); N(O_LARGEFILE);
            N(O_DIRECTORY); N(O_NOFOLLOW); N(O_NOATIME); N(O_CLOEXEC); N(O_SYNC); N(O_PATH); N(O_TMPFILE);
            N(AT_FDCWD); N(AT_SYMLINK_NOFOLLOW); N(AT_REMOVEDIR); N(AT_EACCESS); N(AT_SYMLINK_FOLLOW); N(AT_NO_AUTOMOUNT); N(AT_EMPTY_PATH);
            N(AT_STATX_SYNC_TYPE); N(RENAME_NOREPLACE); N(RENAME_EXCHANGE); N(RENAME_WHITEOUT);
            N(F_DUPFD); N(F_GETFD); N(F_SETFD); N(F_GETFL); N(F_SETFL); N(F_GETLK); N(F_SETLK); N(F_SETLKW); N(F_OFD_GETLK); N(F_OFD_SETLK);
            N(F_OFD_SETLKW); N(F_DUPFD_CLOEXEC); N(F_SETPIPE_SZ); N(F_GETPIPE_SZ); N(F_ADD_SEALS); N(F_GET_SEALS); N(F_GETLEASE);
            N(F_SEAL_SEAL); N(F_SEAL_SHRINK); N(F_SEAL_GROW); N(F_SEAL_WRITE); N(F_SEAL_FUTURE_WRITE); N(F_RDLCK); N(F_WRLCK); N(F_UNLCK);
            N(MFD_CLOEXEC); N(MFD_ALLOW_SEALING); N(MFD_HUGETLB); N(CLOSE_RANGE_UNSHARE); N(CLOSE_RANGE_CLOEXEC);
            N(STATX_BASIC_STATS); N(STATX_BTIME); N(STATX_MNT_ID); N(STATX__RESERVED);
            N(POLLIN); N(POLLPRI); N(POLLOUT); N(POLLERR); N(POLLHUP); N(POLLNVAL); N(POLLRDNORM); N(POLLRDBAND); N(POLLWRNORM); N(POLLWRBAND);
            N(TCGETS); N(TCSETS); N(TCSETSW); N(TCSETSF); N(TIOCGWINSZ); N(FIONREAD); N(FIONBIO); N(FIOCLEX); N(FIONCLEX); N(FIOASYNC);
            N(PATH_MAX); N(NAME_MAX); N(PIPE_BUF);
            N(__NR_read); N(__NR_write); N(__NR_open); N(__NR_close); N(__NR_stat); N(__NR_fstat); N(__NR_lstat); N(__NR_poll); N(__NR_lseek);
            N(__NR_ioctl); N(__NR_pread64); N(__NR_pwrite64); N(__NR_readv); N(__NR_writev); N(__NR_access); N(__NR_pipe); N(__NR_select);
            N(__NR_dup); N(__NR_dup2); N(__NR_sendfile); N(__NR_fcntl); N(__NR_flock); N(__NR_fsync); N(__NR_fdatasync); N(__NR_truncate);
            N(__NR_ftruncate); N(__NR_getdents); N(__NR_getcwd); N(__NR_chdir); N(__NR_fchdir); N(__NR_rename); N(__NR_mkdir); N(__NR_rmdir);
            N(__NR_creat); N(__NR_link); N(__NR_unlink); N(__NR_symlink); N(__NR_readlink); N(__NR_chmod); N(__NR_fchmod); N(__NR_chown);
            N(__NR_fchown); N(__NR_lchown); N(__NR_umask); N(__NR_utime); N(__NR_statfs); N(__NR_fstatfs); N(__NR_sync); N(__NR_getdents64);
            N(__NR_fadvise64); N(__NR_utimes); N(__NR_openat); N(__NR_mkdirat); N(__NR_fchownat); N(__NR_futimesat); N(__NR_newfstatat);
            N(__NR_unlinkat); N(__NR_renameat); N(__NR_linkat); N(__NR_symlinkat); N(__NR_readlinkat); N(__NR_fchmodat); N(__NR_faccessat);
            N(__NR_pselect6); N(__NR_ppoll); N(__NR_utimensat); N(__NR_fallocate); N(__NR_dup3); N(__NR_pipe2); N(__NR_preadv); N(__NR_pwritev);
            N(__NR_syncfs); N(__NR_renameat2); N(__NR_memfd_create); N(__NR_copy_file_range); N(__NR_preadv2); N(__NR_pwritev2); N(__NR_statx);
            N(__NR_close_range); N(__NR_faccessat2);
            return 0;
        }
        """;

    [GccFact]
    public void Struct_layouts_match_the_kernel_headers()
    {
        var v = Probe(KernelProbe);
        // struct stat
        Assert.Equal(StatLayout.StatSize, v["sizeof.stat"]);
        Assert.Equal(new long[] { StatLayout.StDev, StatLayout.StIno, StatLayout.StNlink, StatLayout.StMode, StatLayout.StUid, StatLayout.StGid,
            StatLayout.StRdev, StatLayout.StSize, StatLayout.StBlksize, StatLayout.StBlocks, StatLayout.StAtime, StatLayout.StMtime, StatLayout.StCtime },
            new[] { "st_dev", "st_ino", "st_nlink", "st_mode", "st_uid", "st_gid", "st_rdev", "st_size", "st_blksize", "st_blocks", "st_atime",
                "st_mtime", "st_ctime" }.Select(f => v["stat." + f]));
        // struct statx
        Assert.Equal(StatLayout.StatxSize, v["sizeof.statx"]);
        Assert.Equal(new long[] { StatLayout.StxMask, StatLayout.StxBlksize, StatLayout.StxAttributes, StatLayout.StxNlink, StatLayout.StxUid,
            StatLayout.StxGid, StatLayout.StxMode, StatLayout.StxIno, StatLayout.StxSize, StatLayout.StxBlocks, StatLayout.StxAttributesMask,
            StatLayout.StxAtime, StatLayout.StxBtime, StatLayout.StxCtime, StatLayout.StxMtime, StatLayout.StxRdevMajor, StatLayout.StxRdevMinor,
            StatLayout.StxDevMajor, StatLayout.StxDevMinor, StatLayout.StxMntId },
            new[] { "stx_mask", "stx_blksize", "stx_attributes", "stx_nlink", "stx_uid", "stx_gid", "stx_mode", "stx_ino", "stx_size", "stx_blocks",
                "stx_attributes_mask", "stx_atime", "stx_btime", "stx_ctime", "stx_mtime", "stx_rdev_major", "stx_rdev_minor", "stx_dev_major",
                "stx_dev_minor", "stx_mnt_id" }.Select(f => v["statx." + f]));
        // struct statfs
        Assert.Equal(StatFs.Size, v["sizeof.statfs"]);
        Assert.Equal(new long[] { StatFs.OffsetType, StatFs.OffsetBsize, StatFs.OffsetBlocks, StatFs.OffsetBfree, StatFs.OffsetBavail,
            StatFs.OffsetFiles, StatFs.OffsetFfree, StatFs.OffsetFsid, StatFs.OffsetNamelen, StatFs.OffsetFrsize, StatFs.OffsetFlags },
            new[] { "f_type", "f_bsize", "f_blocks", "f_bfree", "f_bavail", "f_files", "f_ffree", "f_fsid", "f_namelen", "f_frsize", "f_flags" }
                .Select(f => v["statfs." + f]));
        Assert.Equal(PollFd.Size, v["sizeof.pollfd"]);
        Assert.Equal(PollFd.OffsetRevents, v["pollfd.revents"]);
        Assert.Equal(IoVec.Size, v["sizeof.iovec"]);
        Assert.Equal(Timespec.Size, v["sizeof.__kernel_timespec"]);
        Assert.Equal(TerminalLayout.TermiosSize, v["sizeof.termios"]);
        Assert.Equal(TerminalLayout.OffsetLine, v["termios.c_line"]);
        Assert.Equal(TerminalLayout.OffsetCc, v["termios.c_cc"]);
        Assert.Equal(TerminalLayout.Nccs, v["NCCS"]);
        Assert.Equal(TerminalLayout.WinsizeSize, v["sizeof.winsize"]);
        // struct flock as FileSyscalls.RecordLock reads it
        Assert.Equal([32, 0, 2, 8, 16, 24], new[] { "sizeof.flock", "flock.l_type", "flock.l_whence", "flock.l_start", "flock.l_len", "flock.l_pid" }
            .Select(k => v[k]));
    }

    [GccFact]
    public void Flags_commands_and_system_call_numbers_match_the_kernel_headers()
    {
        var v = Probe(KernelProbe);
        var expected = new (string Name, long Value)[]
        {
            ("O_CREAT", OCreat), ("O_EXCL", OExcl), ("O_NOCTTY", ONoCtty), ("O_TRUNC", OTrunc), ("O_APPEND", OAppend), ("O_NONBLOCK", ONonblock),
            ("O_DSYNC", ODsync), ("FASYNC", OAsync), ("O_DIRECT", ODirect), ("O_LARGEFILE", OLargefile), ("O_DIRECTORY", ODirectory),
            ("O_NOFOLLOW", ONofollow), ("O_NOATIME", ONoatime), ("O_CLOEXEC", OCloexec), ("O_SYNC", OSync), ("O_PATH", OPath), ("O_TMPFILE", OTmpfile),
            ("AT_FDCWD", AtFdcwd), ("AT_SYMLINK_NOFOLLOW", AtSymlinkNofollow), ("AT_REMOVEDIR", AtRemovedir), ("AT_EACCESS", AtEaccess),
            ("AT_SYMLINK_FOLLOW", AtSymlinkFollow), ("AT_NO_AUTOMOUNT", AtNoAutomount), ("AT_EMPTY_PATH", AtEmptyPath),
            ("AT_STATX_SYNC_TYPE", AtStatxSyncType), ("RENAME_NOREPLACE", RenameNoreplace), ("RENAME_EXCHANGE", RenameExchange),
            ("RENAME_WHITEOUT", RenameWhiteout), ("F_DUPFD", FDupfd), ("F_GETFD", FGetfd), ("F_SETFD", FSetfd), ("F_GETFL", FGetfl),
            ("F_SETFL", FSetfl), ("F_GETLK", FGetlk), ("F_SETLK", FSetlk), ("F_SETLKW", FSetlkw), ("F_OFD_GETLK", FOfdGetlk),
            ("F_OFD_SETLK", FOfdSetlk), ("F_OFD_SETLKW", FOfdSetlkw), ("F_DUPFD_CLOEXEC", FDupfdCloexec), ("F_SETPIPE_SZ", FSetpipeSz),
            ("F_GETPIPE_SZ", FGetpipeSz), ("F_ADD_SEALS", FAddSeals), ("F_GET_SEALS", FGetSeals), ("F_GETLEASE", FGetlease),
            ("F_SEAL_SEAL", FSealSeal), ("F_SEAL_SHRINK", FSealShrink), ("F_SEAL_GROW", FSealGrow), ("F_SEAL_WRITE", FSealWrite),
            ("F_SEAL_FUTURE_WRITE", FSealFutureWrite), ("F_RDLCK", FRdlck), ("F_WRLCK", FWrlck), ("F_UNLCK", FUnlck),
            ("MFD_CLOEXEC", MfdCloexec), ("MFD_ALLOW_SEALING", MfdAllowSealing), ("MFD_HUGETLB", MfdHugetlb),
            ("CLOSE_RANGE_UNSHARE", CloseRangeUnshare), ("CLOSE_RANGE_CLOEXEC", CloseRangeCloexec),
            ("STATX_BASIC_STATS", StatxBasicStats), ("STATX_BTIME", StatxBtime), ("STATX_MNT_ID", StatxMntId), ("STATX__RESERVED", StatxReserved),
            ("POLLIN", PollIn), ("POLLPRI", PollPri), ("POLLOUT", PollOut), ("POLLERR", PollErr), ("POLLHUP", PollHup), ("POLLNVAL", PollNval),
            ("POLLRDNORM", PollRdnorm), ("POLLRDBAND", PollRdband), ("POLLWRNORM", PollWrnorm), ("POLLWRBAND", PollWrband),
            ("TCGETS", Tcgets), ("TCSETS", Tcsets), ("TCSETSW", Tcsetsw), ("TCSETSF", Tcsetsf), ("TIOCGWINSZ", Tiocgwinsz), ("FIONREAD", Fionread),
            ("FIONBIO", Fionbio), ("FIOCLEX", Fioclex), ("FIONCLEX", Fionclex), ("FIOASYNC", Fioasync),
            ("PATH_MAX", PathMax), ("NAME_MAX", NameMax), ("PIPE_BUF", PipeBuf),
        };
        foreach (var (name, value) in expected)
        {
            Assert.True(v[name] == value, $"{name}: header {v[name]}, FsAbi {value}");
        }
        var calls = new (string Name, ulong Nr)[]
        {
            ("read", FsAbi.Read), ("write", FsAbi.Write), ("open", FsAbi.Open), ("close", Close), ("stat", FsAbi.Stat), ("fstat", Fstat),
            ("lstat", Lstat), ("poll", FsAbi.Poll), ("lseek", Lseek), ("ioctl", Ioctl), ("pread64", Pread64), ("pwrite64", Pwrite64),
            ("readv", Readv), ("writev", Writev), ("access", Access), ("pipe", FsAbi.Pipe), ("select", Select), ("dup", Dup), ("dup2", Dup2),
            ("sendfile", Sendfile), ("fcntl", Fcntl), ("flock", Flock), ("fsync", Fsync), ("fdatasync", Fdatasync), ("truncate", FsAbi.Truncate),
            ("ftruncate", Ftruncate), ("getdents", Getdents), ("getcwd", Getcwd), ("chdir", Chdir), ("fchdir", Fchdir), ("rename", FsAbi.Rename),
            ("mkdir", Mkdir), ("rmdir", Rmdir), ("creat", Creat), ("link", Link), ("unlink", Unlink), ("symlink", Symlink), ("readlink", Readlink),
            ("chmod", Chmod), ("fchmod", Fchmod), ("chown", Chown), ("fchown", Fchown), ("lchown", Lchown), ("umask", Umask), ("utime", Utime),
            ("statfs", FsAbi.Statfs), ("fstatfs", Fstatfs), ("sync", FsAbi.Sync), ("getdents64", Getdents64), ("fadvise64", Fadvise64),
            ("utimes", Utimes), ("openat", Openat), ("mkdirat", Mkdirat), ("fchownat", Fchownat), ("futimesat", Futimesat),
            ("newfstatat", Newfstatat), ("unlinkat", Unlinkat), ("renameat", Renameat), ("linkat", Linkat), ("symlinkat", Symlinkat),
            ("readlinkat", Readlinkat), ("fchmodat", Fchmodat), ("faccessat", Faccessat), ("pselect6", Pselect6), ("ppoll", Ppoll),
            ("utimensat", Utimensat), ("fallocate", Fallocate), ("dup3", Dup3), ("pipe2", Pipe2), ("preadv", Preadv), ("pwritev", Pwritev),
            ("syncfs", Syncfs), ("renameat2", Renameat2), ("memfd_create", MemfdCreate), ("copy_file_range", CopyFileRange),
            ("preadv2", Preadv2), ("pwritev2", Pwritev2), ("statx", FsAbi.Statx), ("close_range", CloseRange), ("faccessat2", Faccessat2),
        };
        foreach (var (name, nr) in calls)
        {
            Assert.True(v["__NR_" + name] == (long)nr, $"__NR_{name}: header {v["__NR_" + name]}, FsAbi {nr}");
        }
    }

    [GccFact]
    public void Dirent64_and_fd_set_match_glibc()
    {
        var v = Probe("""
            #define _GNU_SOURCE
            #include <stdio.h>
            #include <stddef.h>
            #include <dirent.h>
            #include <sys/select.h>
            int main(void)
            {
                printf("ino %zu\noff %zu\nreclen %zu\ntype %zu\nname %zu\nfdset %zu\n", offsetof(struct dirent64, d_ino),
                    offsetof(struct dirent64, d_off), offsetof(struct dirent64, d_reclen), offsetof(struct dirent64, d_type),
                    offsetof(struct dirent64, d_name), sizeof(fd_set));
                return 0;
            }
            """);
        Assert.Equal(DirentLayout.OffsetIno, v["ino"]);
        Assert.Equal(DirentLayout.OffsetOff, v["off"]);
        Assert.Equal(DirentLayout.OffsetReclen, v["reclen"]);
        Assert.Equal(DirentLayout.OffsetType64, v["type"]);
        Assert.Equal(DirentLayout.OffsetName64, v["name"]);
        Assert.Equal(128, v["fdset"]); // FD_SETSIZE bits, 64-bit words: what select reads per set at nfds = 1024
    }

    [Fact]
    public void Encoders_write_the_hand_computed_bytes()
    {
        var st = new FileStat
        {
            DevMajor = 8, DevMinor = 0x123, Ino = 0x1122334455667788, Mode = 0x81a4, Nlink = 3, Uid = 1000, Gid = 100, RdevMajor = 1,
            RdevMinor = 3, Size = 4097, BlockSize = 4096, Blocks = 16, Atime = new(1, 2), Mtime = new(3, 4), Ctime = new(5, 6),
            Mask = StatxBasicStats,
        };
        var b = new byte[StatLayout.StatSize];
        StatLayout.WriteStat(st, b);
        Assert.Equal(0x10_0823UL, BitConverter.ToUInt64(b, 0)); // new_encode_dev: 0x23 | 8 << 8 | 0x100 << 12
        Assert.Equal(0x1122334455667788UL, BitConverter.ToUInt64(b, 8));
        Assert.Equal(3UL, BitConverter.ToUInt64(b, 16)); // st_nlink is 64-bit on x86-64
        Assert.Equal(0x81a4u, BitConverter.ToUInt32(b, 24));
        Assert.Equal(0x103UL, BitConverter.ToUInt64(b, 40));
        Assert.Equal(4097L, BitConverter.ToInt64(b, 48));
        Assert.Equal(2L, BitConverter.ToInt64(b, 80)); // st_atime_nsec
        Assert.Equal(6L, BitConverter.ToInt64(b, 112));
        Assert.All(b[120..], x => Assert.Equal(0, x)); // __unused
        var x = new byte[StatLayout.StatxSize];
        StatLayout.WriteStatx(st, x);
        Assert.Equal(StatxBasicStats, BitConverter.ToUInt32(x, 0));
        Assert.Equal(0x81a4, BitConverter.ToUInt16(x, 28));
        Assert.Equal(3u, BitConverter.ToUInt32(x, 16));
        Assert.Equal(1L, BitConverter.ToInt64(x, 64));
        Assert.Equal(2u, BitConverter.ToUInt32(x, 72)); // tv_nsec is u32 in statx_timestamp
        Assert.Equal(8u, BitConverter.ToUInt32(x, 136));
        Assert.Equal(0x123u, BitConverter.ToUInt32(x, 140));
        Assert.Equal(0L, BitConverter.ToInt64(x, 80)); // no STATX_BTIME in the mask: the birth time stays 0
        Assert.Equal(st with { Btime = default }, StatLayout.ReadStatx(x) with { Btime = default }); // the decoder inverts it

        var rec = new byte[32];
        Assert.True(DirentLayout.TryWrite(rec, 7, 9, DtReg, "abc", dirent64: true, out int len));
        Assert.Equal(24, len); // 19 + 3 + NUL = 23, rounded to 8
        Assert.Equal(new byte[] { 7, 0, 0, 0, 0, 0, 0, 0, 9, 0, 0, 0, 0, 0, 0, 0, 24, 0, DtReg, (byte)'a', (byte)'b', (byte)'c', 0, 0 }, rec[..24]);
        Assert.False(DirentLayout.TryWrite(rec.AsSpan(0, 23), 7, 9, DtReg, "abc", true, out _));
        Assert.True(DirentLayout.TryWrite(rec, 7, 9, DtDir, "abc", dirent64: false, out len));
        Assert.Equal(24, len); // 18 + 3 + NUL + type = 23 → 24
        Assert.Equal(DtDir, rec[23]); // the old format keeps d_type in the record's last byte
    }
}

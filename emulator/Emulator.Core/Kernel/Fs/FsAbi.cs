namespace Emulator.Core.Kernel.Fs;

/// <summary>
/// The x86-64 Linux numbers of the file system calls: system call numbers, open/at/fcntl/poll flags,
/// file types and ioctl commands, as the uapi headers define them.
/// </summary>
/// <remarks>
/// Sources: arch/x86/entry/syscalls/syscall_64.tbl; include/uapi/asm-generic/fcntl.h (x86-64 uses the
/// generic octal values); include/uapi/linux/fcntl.h (AT_*, F_ADD_SEALS…); include/uapi/linux/stat.h;
/// include/uapi/asm-generic/poll.h; include/uapi/asm-generic/ioctls.h. FsAbiTests compares every
/// value with what gcc's headers say.
/// </remarks>
public static class FsAbi
{
    // System call numbers (syscall_64.tbl).
    public const ulong Read = 0, Write = 1, Open = 2, Close = 3, Stat = 4, Fstat = 5, Lstat = 6, Poll = 7,
        Lseek = 8, Ioctl = 16, Pread64 = 17, Pwrite64 = 18, Readv = 19, Writev = 20, Access = 21, Pipe = 22,
        Select = 23, Dup = 32, Dup2 = 33, Sendfile = 40, Fcntl = 72, Flock = 73, Fsync = 74, Fdatasync = 75,
        Truncate = 76, Ftruncate = 77, Getdents = 78, Getcwd = 79, Chdir = 80, Fchdir = 81, Rename = 82,
        Mkdir = 83, Rmdir = 84, Creat = 85, Link = 86, Unlink = 87, Symlink = 88, Readlink = 89, Chmod = 90,
        Fchmod = 91, Chown = 92, Fchown = 93, Lchown = 94, Umask = 95, Utime = 132, Statfs = 137,
        Fstatfs = 138, Sync = 162, Getdents64 = 217, Fadvise64 = 221, Utimes = 235, Openat = 257,
        Mkdirat = 258, Fchownat = 260, Futimesat = 261, Newfstatat = 262, Unlinkat = 263, Renameat = 264,
        Linkat = 265, Symlinkat = 266, Readlinkat = 267, Fchmodat = 268, Faccessat = 269, Pselect6 = 270,
        Ppoll = 271, Utimensat = 280, Fallocate = 285, Dup3 = 292, Pipe2 = 293, Preadv = 295, Pwritev = 296,
        Syncfs = 306, Renameat2 = 316, MemfdCreate = 319, CopyFileRange = 326, Preadv2 = 327, Pwritev2 = 328,
        Statx = 332, CloseRange = 436, Faccessat2 = 439, Fchmodat2 = 452;

    // open(2) flags (asm-generic/fcntl.h, octal in the header).
    public const int OAccMode = 3, ORdOnly = 0, OWrOnly = 1, ORdWr = 2;
    public const int OCreat = 0x40, OExcl = 0x80, ONoCtty = 0x100, OTrunc = 0x200, OAppend = 0x400,
        ONonblock = 0x800, ODsync = 0x1000, OAsync = 0x2000, ODirect = 0x4000, OLargefile = 0x8000,
        ODirectory = 0x1_0000, ONofollow = 0x2_0000, ONoatime = 0x4_0000, OCloexec = 0x8_0000,
        OSync = 0x10_1000, OPath = 0x20_0000, OTmpfile = 0x41_0000;

    /// <summary>Every flag open(2) knows (VALID_OPEN_FLAGS); open and openat drop the others silently.</summary>
    public const int ValidOpenFlags = OAccMode | OCreat | OExcl | ONoCtty | OTrunc | OAppend | ONonblock | ODsync |
        OAsync | ODirect | OLargefile | ODirectory | ONofollow | ONoatime | OCloexec | OSync | OPath | OTmpfile;

    /// <summary>The status flags F_SETFL may change (SETFL_MASK).</summary>
    public const int SetflMask = OAppend | ONonblock | OAsync | ODirect | ONoatime;

    // *at flags (linux/fcntl.h).
    public const int AtFdcwd = -100, AtSymlinkNofollow = 0x100, AtRemovedir = 0x200, AtEaccess = 0x200,
        AtSymlinkFollow = 0x400, AtNoAutomount = 0x800, AtEmptyPath = 0x1000, AtStatxSyncType = 0x6000;

    // renameat2 flags.
    public const uint RenameNoreplace = 1, RenameExchange = 2, RenameWhiteout = 4;

    // fcntl commands.
    public const int FDupfd = 0, FGetfd = 1, FSetfd = 2, FGetfl = 3, FSetfl = 4, FGetlk = 5, FSetlk = 6,
        FSetlkw = 7, FSetown = 8, FGetown = 9, FSetsig = 10, FGetsig = 11, FSetownEx = 15, FGetownEx = 16,
        FOfdGetlk = 36, FOfdSetlk = 37, FOfdSetlkw = 38, FSetlease = 1024, FGetlease = 1025, FNotify = 1026,
        FDupfdCloexec = 1030, FSetpipeSz = 1031, FGetpipeSz = 1032, FAddSeals = 1033, FGetSeals = 1034;
    public const int FdCloexec = 1;
    public const short FRdlck = 0, FWrlck = 1, FUnlck = 2;

    // memfd seals (F_SEAL_*) and memfd_create flags.
    public const int FSealSeal = 1, FSealShrink = 2, FSealGrow = 4, FSealWrite = 8, FSealFutureWrite = 16, FSealExec = 32;
    public const uint MfdCloexec = 1, MfdAllowSealing = 2, MfdHugetlb = 4, MfdNoexecSeal = 8, MfdExec = 0x10;

    // close_range flags.
    public const uint CloseRangeUnshare = 2, CloseRangeCloexec = 4;

    // File types and permission bits (linux/stat.h).
    public const uint SIfmt = 0xF000, SIfsock = 0xC000, SIflnk = 0xA000, SIfreg = 0x8000, SIfblk = 0x6000,
        SIfdir = 0x4000, SIfchr = 0x2000, SIfifo = 0x1000, SIsuid = 0x800, SIsgid = 0x400, SIsvtx = 0x200;

    // d_type values (DT_*).
    public const byte DtUnknown = 0, DtFifo = 1, DtChr = 2, DtDir = 4, DtBlk = 6, DtReg = 8, DtLnk = 10, DtSock = 12;

    // access(2) modes.
    public const int FOk = 0, XOk = 1, WOk = 2, ROk = 4;

    // lseek whence.
    public const int SeekSet = 0, SeekCur = 1, SeekEnd = 2, SeekData = 3, SeekHole = 4;

    // poll events (asm-generic/poll.h).
    public const short PollIn = 0x1, PollPri = 0x2, PollOut = 0x4, PollErr = 0x8, PollHup = 0x10, PollNval = 0x20,
        PollRdnorm = 0x40, PollRdband = 0x80, PollWrnorm = 0x100, PollWrband = 0x200, PollRdhup = 0x2000;

    // ioctl commands (asm-generic/ioctls.h).
    public const uint Tcgets = 0x5401, Tcsets = 0x5402, Tcsetsw = 0x5403, Tcsetsf = 0x5404, Tiocgpgrp = 0x540F,
        Tiocgwinsz = 0x5413, Tiocswinsz = 0x5414, Fionread = 0x541B, Fionbio = 0x5421, Fionclex = 0x5450,
        Fioclex = 0x5451, Fioasync = 0x5452;

    // utimensat special nanosecond values.
    public const long UtimeNow = (1L << 30) - 1, UtimeOmit = (1L << 30) - 2;

    // statx mask bits.
    public const uint StatxType = 0x1, StatxMode = 0x2, StatxNlink = 0x4, StatxUid = 0x8, StatxGid = 0x10,
        StatxAtime = 0x20, StatxMtime = 0x40, StatxCtime = 0x80, StatxIno = 0x100, StatxSize = 0x200,
        StatxBlocks = 0x400, StatxBasicStats = 0x7FF, StatxBtime = 0x800, StatxMntId = 0x1000,
        StatxReserved = 0x8000_0000;

    // Limits.
    public const int PathMax = 4096, NameMax = 255, PipeBuf = 4096, IovMax = 1024, SymlinkMax = 40;
    public const long MaxRwCount = 0x7fff_f000; // INT_MAX rounded down to a page (MAX_RW_COUNT)
    public const int DefaultNofile = 1024; // RLIMIT_NOFILE soft limit
    public const int NrOpen = 1024 * 1024; // fs.nr_open: the hard ceiling of RLIMIT_NOFILE

    // Signals the file calls raise.
    public const int SigPipe = 13;

    // File system magic numbers (include/uapi/linux/magic.h) for statfs.
    public const long TmpfsMagic = 0x0102_1994, ProcSuperMagic = 0x9fa0, PipefsMagic = 0x5049_5045,
        SysfsMagic = 0x6265_6572, OverlayfsSuperMagic = 0x794c_7630;

    /// <summary>The restart codes a blocking call returns when a signal is pending (include/linux/errno.h);
    /// the kernel's signal delivery turns them into -EINTR or a restart, as Linux's does.</summary>
    public const long ERestartSys = -512, ERestartNoHand = -514;
}

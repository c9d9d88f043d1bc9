namespace Emulator.Core.Kernel.Sys;

/// <summary>Linux x86-64 system call numbers and flag values the guest kernel implements
/// (arch/x86/entry/syscalls/syscall_64.tbl, include/uapi).</summary>
internal static class LinuxAbi
{
    public const ulong Read = 0;
    public const ulong Write = 1;
    public const ulong Open = 2;
    public const ulong Close = 3;
    public const ulong Mmap = 9;
    public const ulong Mprotect = 10;
    public const ulong Munmap = 11;
    public const ulong Brk = 12;
    public const ulong Ioctl = 16;
    public const ulong Mremap = 25;
    public const ulong Madvise = 28;
    public const ulong Getpid = 39;
    public const ulong Fork = 57;
    public const ulong Exit = 60;
    public const ulong Wait4 = 61;
    public const ulong ClockGettime = 228;
    public const ulong ExitGroup = 231;
    public const ulong Openat = 257;

    /// <summary>Errors the shared <see cref="Errno"/> enum does not list.</summary>
    public const int ENOTDIR = 20;
    public const int EMFILE = 24;
    public const int ENAMETOOLONG = 36;

    public const int PathMax = 4096;
    public const ulong MaxRwCount = 0x7fff_f000; // MAX_RW_COUNT: INT_MAX rounded down to a page

    public const ulong MapAnonymous = 0x20;
    public const ulong ODirectory = 0x1_0000; // 0200000

    /// <summary>AT_FDCWD (-100) as a system call argument.</summary>
    public const ulong AtFdcwd = unchecked((ulong)-100L);

    public const ulong WNohang = 1;
    public const ulong WaitOptionsValid = 1 | 2 | 8 | 0x0100_0000 | 0x2000_0000 | 0x4000_0000 | 0x8000_0000;
    public const int RusageSize = 144;

    public const int SigKill = 9;
    public const int SigSegv = 11;

    /// <summary>The signal's name, e.g. SIGSEGV.</summary>
    public static string SignalName(int signal) => signal switch
    {
        4 => "SIGILL",
        5 => "SIGTRAP",
        7 => "SIGBUS",
        8 => "SIGFPE",
        9 => "SIGKILL",
        11 => "SIGSEGV",
        _ => $"signal {signal}",
    };
}

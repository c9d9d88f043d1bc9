using Emulator.Core.Kernel;

namespace Emulator.Tests.Kernel.Sys;

/// <summary>System-call edge cases, each checked inside a C guest against the errno Linux returns;
/// the guest prints a FAIL line per mismatch.</summary>
public class SyscallErrnoTests
{
    private const string Guest = """
        #include "guest.h"
        #include "sva.h"
        #define ENOENT 2
        #define EBADF 9
        #define ECHILD 10
        #define ENODEV 19
        #define ENOSYS 38
        #define WNOHANG 1
        int main(int argc, char **argv, char **envp)
        {
            (void)argc; (void)argv; (void)envp;
            CHECK(sys_openat(AT_FDCWD, "/dev/sva7", O_RDWR, 0) == -ENOENT, 0);
            CHECK(sys_openat(AT_FDCWD, "/nonexistent-emulator-dir/file", O_RDONLY, 0) == -ENOENT, 0);
            CHECK(sys_openat(AT_FDCWD, (const char *)8, O_RDONLY, 0) == -EFAULT, 0);
            long fd = sys_openat(AT_FDCWD, "/dev/sva0", O_RDWR, 0);
            CHECK(fd == 3, fd);                                    /* the lowest free descriptor */
            struct sva_desc d = {0};
            CHECK(sys_ioctl((int)fd, SVA_SUBMIT, (unsigned long)&d) == -EINVAL, 0); /* not bound yet */
            CHECK(sys_ioctl((int)fd, 0x1234, 0) == -ENOTTY, 0);
            CHECK(sys_ioctl(1, SVA_BIND, 0) == -ENOTTY, 0);       /* the console has no such ioctl */
            CHECK(sys_ioctl(42, SVA_BIND, 0) == -EBADF, 0);
            CHECK(sys_mmap(0, 4096, PROT_READ, MAP_PRIVATE, (int)fd, 0) == -EINVAL, 0); /* a portal is MAP_SHARED and writable */
            CHECK(sys_mmap(0, 4096, PROT_READ, MAP_PRIVATE, 77, 0) == -EBADF, 0);
            CHECK(sys_mmap(0, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 12) == -EINVAL, 0);
            char c;
            CHECK(sys_read(0, &c, 1) == 0, 0);                    /* stdin: end of file */
            CHECK(sys_read((int)fd, &c, 1) == -EINVAL, 0);
            CHECK(sys_write(0, "x", 1) == -EBADF, 0);
            CHECK(sys_write(2, "to stderr\n", 10) == 10, 0);
            CHECK(sys_close((int)fd) == 0, 0);
            CHECK(sys_close((int)fd) == -EBADF, 0);
            CHECK(sys_wait4(-1, 0, 0, 0) == -ECHILD, 0);
            struct timespec ts;
            CHECK(sys_clock_gettime(CLOCK_REALTIME, &ts) == 0 && ts.tv_sec >= 1735689600, ts.tv_sec);
            CHECK(sys_clock_gettime(99, &ts) == -EINVAL, 0);
            CHECK(sys_clock_gettime(CLOCK_MONOTONIC, (struct timespec *)16) == -EFAULT, 0);
            CHECK(sys_call0(335) == -ENOSYS, 0);
            long pid = sys_fork();
            if (pid == 0) {
                for (volatile long k = 0; k < 100000; k++) { }
                sys_exit(4);
            }
            CHECK(sys_wait4((int)pid, 0, WNOHANG, 0) == 0, 0);    /* still running */
            CHECK(sys_wait4((int)pid + 1, 0, 0, 0) == -ECHILD, 0); /* not a child */
            int status = 0;
            CHECK(sys_wait4((int)pid, &status, 0, 0) == pid, 0);
            CHECK(status == 4 << 8, status);
            put_kv("failures", check_failures());
            return check_failures();
        }
        """;

    [GccFact]
    public void Each_call_returns_what_Linux_returns()
    {
        var (elf, _) = GuestGcc.Build("errnos", Guest);
        var rig = new GuestRig(new GuestKernelOptions { MinQuantum = 1000, MaxQuantum = 1000 });

        var r = rig.Run(elf);

        Assert.Equal("failures=0\n", rig.Out);
        Assert.Equal("to stderr\n", rig.Err); // fd 2 reaches the stderr stream
        Assert.Equal(0, r.Init!.WaitStatus);
        Assert.Equal([335UL], r.UnknownSyscalls);
    }
}

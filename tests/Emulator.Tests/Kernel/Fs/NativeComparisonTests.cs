using System.Diagnostics;
using System.Runtime.Versioning;
using Emulator.Core.Kernel.Fs;
using Emulator.Tests.Kernel.Sys;

namespace Emulator.Tests.Kernel.Fs;

/// <summary>
/// One freestanding C program exercising the file calls (results, errnos, struct fields) runs natively
/// on the host kernel and in the emulator's CPU with <see cref="FileSyscalls"/>; both print the same.
/// </summary>
[SupportedOSPlatform("linux")]
public sealed class NativeComparisonTests
{
    private const string Program = """
        #include "guest.h"
        #define S3(n, a, b, c) sys_call3(n, (long)(a), (long)(b), (long)(c))
        #define S4(n, a, b, c, d) sys_call4(n, (long)(a), (long)(b), (long)(c), (long)(d))
        #define S5(n, a, b, c, d, e) sys_call5(n, (long)(a), (long)(b), (long)(c), (long)(d), (long)(e))
        #define AT -100
        struct kstat { unsigned long dev, ino, nlink; unsigned mode, uid, gid, pad; unsigned long rdev; long size, blksize, blocks, at, atn, mt, mtn, ct, ctn, unused[3]; };
        static void p(const char *k, long v) { put_kv(k, v); }
        static char buf[65536];
        static char names[64][64];
        int main(int argc, char **argv)
        {
            struct kstat st;
            p("chdir", S3(80, argv[1], 0, 0));
            long fd = S4(257, AT, "f", 0101 | 01000, 0644);            /* O_CREAT|O_WRONLY|O_TRUNC */
            p("open-create", fd);
            p("write", S3(1, fd, "hello world", 11));
            p("fgetfl", S3(72, fd, 3, 0));
            p("close", S3(3, fd, 0, 0));
            p("stat", S4(262, AT, "f", &st, 0));
            p("size", st.size); p("mode", st.mode); p("nlink", st.nlink);
            fd = S4(257, AT, "f", 2, 0);
            p("fgetfl-rdwr", S3(72, fd, 3, 0));
            p("read5", S3(0, fd, buf, 5)); buf[5] = 0; put_str(buf); put_str("\n");
            p("lseek", S3(8, fd, 6, 0));
            p("read-rest", S3(0, fd, buf, 100));
            p("read-eof", S3(0, fd, buf, 100));
            p("lseek-bad-whence", S3(8, fd, 0, 9));
            p("pread", S4(17, fd, buf, 4, 2));
            p("ftruncate", S3(77, fd, 3, 0));
            p("fstat", S3(5, fd, &st, 0)); p("size-after", st.size);
            p("open-missing", S4(257, AT, "missing", 0, 0));
            p("open-notdir", S4(257, AT, "f/x", 0, 0));
            p("open-excl", S4(257, AT, "f", 0301, 0644));
            p("open-dir-w", S4(257, AT, ".", 1, 0));
            p("mkdir", S3(83, "d", 0755, 0));
            p("mkdir-again", S3(83, "d", 0755, 0));
            p("rmdir-dot", S3(84, "d/.", 0, 0));
            p("unlink-dir", S3(87, "d", 0, 0));
            p("symlink", S3(88, "f", "l", 0));
            long n = S3(89, "l", buf, sizeof buf); p("readlink", n);
            p("readlink-file", S3(89, "f", buf, 10));
            p("lstat", S4(262, AT, "l", &st, 0x100)); p("lmode", st.mode);
            p("link", S3(86, "f", "h", 0));
            p("stat-h", S4(262, AT, "h", &st, 0)); p("nlink-h", st.nlink);
            p("rename", S3(82, "h", "g", 0));
            p("access-h", S3(21, "h", 0, 0));
            p("access-x", S3(21, "g", 1, 0));
            p("renameat2-noreplace", S5(316, AT, "g", AT, "f", 1));
            p("rename-into-self", S3(82, "d", "d/sub", 0));
            int pfd[2];
            p("pipe2", S3(293, pfd, 04000, 0));                      /* O_NONBLOCK */
            p("pipe-empty", S3(0, pfd[0], buf, 10));
            p("pipe-write", S3(1, pfd[1], "abc", 3));
            p("getfl-r", S3(72, pfd[0], 3, 0)); p("getfl-w", S3(72, pfd[1], 3, 0));
            p("pipe-sz", S3(72, pfd[0], 1032, 0));
            int avail = 0; p("fionread", S3(16, pfd[0], 0x541B, &avail)); p("avail", avail);
            struct { int fd; short ev, rev; } pf[2] = { { pfd[0], 1, 0 }, { 99, 1, 0 } };
            p("poll", S3(7, pf, 2, 0)); p("rev0", pf[0].rev); p("rev1", pf[1].rev);
            p("pipe-read", S3(0, pfd[0], buf, 10));
            p("fstat-pipe", S3(5, pfd[0], &st, 0)); p("pipe-mode", st.mode);
            p("lseek-pipe", S3(8, pfd[0], 0, 1));
            p("close-w", S3(3, pfd[1], 0, 0));
            p("pipe-eof", S3(0, pfd[0], buf, 10));
            p("tcgets", S3(16, 1, 0x5401, buf));
            p("dup2", S3(33, pfd[0], 50, 0));
            p("dup3-same", S3(292, 50, 50, 0));
            p("fcntl-dupfd", S3(72, 50, 0, 60));
            p("getfd", S3(72, 60, 1, 0));
            long nul = S4(257, AT, "/dev/null", 2, 0);
            p("null-write", S3(1, nul, buf, 1000)); p("null-read", S3(0, nul, buf, 10));
            long zero = S4(257, AT, "/dev/zero", 0, 0);
            buf[0] = 7; p("zero-read", S3(0, zero, buf, 8)); p("zero-byte", buf[0]);
            long full = S4(257, AT, "/dev/full", 1, 0); p("full-write", S3(1, full, buf, 1));
            long dfd = S4(257, AT, ".", 0200000, 0);                   /* O_DIRECTORY */
            long got = sys_call3(217, dfd, (long)buf, sizeof buf); p("getdents64", got > 0);
            int count = 0;
            for (long at = 0; at < got;) {
                unsigned short reclen = *(unsigned short *)(buf + at + 16);
                unsigned char type = (unsigned char)buf[at + 18];
                char *name = buf + at + 19;
                int i = 0;
                names[count][i++] = (char)('0' + type / 10); names[count][i++] = (char)('0' + type % 10); names[count][i++] = ' ';
                for (int j = 0; name[j] && i < 62; j++) names[count][i++] = name[j];
                names[count][i] = 0;
                count++;
                at += reclen;
            }
            for (int a = 0; a < count; a++)
                for (int b = a + 1; b < count; b++) {
                    int c = 0; while (names[a][c] && names[a][c] == names[b][c]) c++;
                    if ((unsigned char)names[a][c] > (unsigned char)names[b][c]) {
                        char t[64]; memcpy(t, names[a], 64); memcpy(names[a], names[b], 64); memcpy(names[b], t, 64);
                    }
                }
            for (int a = 0; a < count; a++) { put_str(names[a]); put_str("\n"); }
            p("getdents-end", sys_call3(217, dfd, (long)buf, sizeof buf));
            p("getdents-small", sys_call3(217, dfd, (long)buf, 8) == 0 ? 0 : 1);
            p("getdents-file", sys_call3(217, nul, (long)buf, 100));
            unsigned char stx[256];
            p("statx", S5(332, AT, "g", 0, 0x7ff, stx)); p("stx-size", *(long *)(stx + 40)); p("stx-mode", *(unsigned short *)(stx + 28));
            p("statx-bad", S5(332, AT, "g", 0x6000, 0x7ff, stx));
            long ts[4] = { 1000000000, 5, 1100000000, 6 };
            p("utimensat", S4(280, AT, "g", ts, 0));
            p("stat-g", S4(262, AT, "g", &st, 0)); p("mtime", st.mt); p("mtimen", st.mtn);
            long mfd = S3(319, "m", 1, 0);                            /* MFD_CLOEXEC */
            p("memfd-write", S3(1, mfd, "xyz", 3)); p("memfd-fstat", S3(5, mfd, &st, 0)); p("memfd-size", st.size);
            p("memfd-getfd", S3(72, mfd, 1, 0));
            long src = S4(257, AT, "g", 0, 0), dst = S4(257, AT, "copy", 0101, 0600);
            p("sendfile", S4(40, dst, src, 0, 100));
            p("stat-copy", S4(262, AT, "copy", &st, 0)); p("copy-size", st.size); p("copy-mode", st.mode);
            p("umask", S3(95, 077, 0, 0)); p("umask-back", S3(95, 022, 0, 0));
            p("getcwd-small", S3(79, buf, 2, 0));
            p("efault-open", S4(257, AT, (char *)0x10, 0, 0));
            p("efault-read", S3(0, src, (char *)0x10, 10));
            p("enametoolong", S4(257, AT, buf + 2000, 0, 0) == 0);
            p("unlink-all", S3(87, "g", 0, 0) | S3(87, "f", 0, 0) | S3(87, "l", 0, 0) | S3(87, "copy", 0, 0) | S3(84, "d", 0, 0));
            p("chdir-file", S3(80, "/dev/null", 0, 0));
            return 0;
        }
        """;

    [GccTheory]
    [InlineData("host")]
    [InlineData("overlay")]
    [InlineData("confined")]
    public void The_same_program_prints_the_same_natively_and_in_the_emulator(string mode)
    {
        var (bytes, exe) = GuestGcc.Build("fs-compare", Program);
        string nativeDir = Directory.CreateTempSubdirectory("guest-fs-native-").FullName;
        string emulatedDir = Directory.CreateTempSubdirectory("guest-fs-emulated-").FullName;
        try
        {
            var psi = new ProcessStartInfo(exe, nativeDir) { RedirectStandardOutput = true };
            using var native = Process.Start(psi)!;
            string expected = native.StandardOutput.ReadToEnd();
            native.WaitForExit();
            Assert.Equal(0, native.ExitCode);

            // host: the directory on the host; overlay: the same, every change in memory; confined: the
            // directory is the guest's root and the program works in its /work (the root itself also
            // lists /proc, /dev and /sys).
            string workDir = mode == "confined" ? Directory.CreateDirectory(Path.Combine(emulatedDir, "work")).FullName : emulatedDir;
            var fs = new GuestFileSystem(mode switch
            {
                "overlay" => new FsOptions { Overlay = true },
                "confined" => new FsOptions { Root = emulatedDir },
                _ => new FsOptions(),
            });
            string dir = mode == "confined" ? "/work" : HostLibc.FromHostString(emulatedDir);
            var (code, actual) = FsGuestRunner.Run(bytes, ["fs-compare", dir], fs);
            Assert.Equal(0, code);
            Assert.Equal(expected, actual); // every result, errno and struct field printed, line by line
            Assert.Empty(Directory.EnumerateFileSystemEntries(workDir)); // the program removed what it made (or, overlay, never made it)
        }
        finally
        {
            Directory.Delete(nativeDir, recursive: true);
            Directory.Delete(emulatedDir, recursive: true);
        }
    }
}

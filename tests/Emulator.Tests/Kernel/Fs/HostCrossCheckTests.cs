using System.Runtime.Versioning;
using Emulator.Core.Kernel.Fs;
using static Emulator.Core.Kernel.Fs.FsAbi;
using static Emulator.Tests.Kernel.Fs.FsRig;

namespace Emulator.Tests.Kernel.Fs;

/// <summary>What a guest reads from stat, statx and getdents64 of a host file equals, byte for byte, what
/// a gcc-built probe gets from the host kernel for the same path.</summary>
[SupportedOSPlatform("linux")]
public sealed class HostCrossCheckTests : IDisposable
{
    private const string ProbeSource = """
        #define _GNU_SOURCE
        #include <stdio.h>
        #include <string.h>
        #include <fcntl.h>
        #include <unistd.h>
        #include <sys/stat.h>
        #include <sys/syscall.h>
        static void hex(const unsigned char *b, int n) { for (int i = 0; i < n; i++) printf("%02x", b[i]); printf("\n"); }
        int main(int argc, char **argv)
        {
            unsigned char st[144], stx[256];
            memset(st, 0, sizeof st);
            memset(stx, 0, sizeof stx);
            if (!strcmp(argv[1], "stat")) {
                if (syscall(SYS_newfstatat, AT_FDCWD, argv[2], st, AT_SYMLINK_NOFOLLOW)) return 1;
                hex(st, 144);
            } else if (!strcmp(argv[1], "statx")) {
                if (syscall(SYS_statx, AT_FDCWD, argv[2], AT_SYMLINK_NOFOLLOW, 0x7ffu | 0x800u, stx)) return 1;
                hex(stx, 256);
            } else {
                int fd = open(argv[2], O_RDONLY | O_DIRECTORY);
                char buf[4096];
                long n;
                while ((n = syscall(SYS_getdents64, fd, buf, sizeof buf)) > 0)
                    for (long at = 0; at < n;) {
                        unsigned long long ino = *(unsigned long long *)(buf + at);
                        unsigned short reclen = *(unsigned short *)(buf + at + 16);
                        printf("%s %u %llu\n", buf + at + 19, (unsigned char)buf[at + 18], ino);
                        at += reclen;
                    }
            }
            return 0;
        }
        """;

    private static readonly Lazy<string> s_probe = new(() => Gcc.Compile(ProbeSource, "-O0", "hostprobe").Path);

    private readonly FsRig _rig = new();

    public HostCrossCheckTests()
    {
        File.WriteAllBytes(_rig.HostPath("file"), new byte[12345]);
        File.CreateSymbolicLink(_rig.HostPath("link"), "file");
        Directory.CreateDirectory(_rig.HostPath("dir"));
        File.WriteAllText(_rig.HostPath("dir/a"), "a");
        File.CreateSymbolicLink(_rig.HostPath("dir/b"), "a");
        Directory.CreateDirectory(_rig.HostPath("dir/c"));
        Assert.Equal(Emulator.Core.Errno.Ok, HostLibc.Link(_rig.HostPath("dir/a"), _rig.HostPath("dir/d"))); // a second name for a
    }

    public void Dispose() => _rig.Dispose();

    private static string Hex(byte[] b) => Convert.ToHexStringLower(b);

    [GccTheory]
    [InlineData("file")]
    [InlineData("link")]
    [InlineData("dir")]
    [InlineData("dir/d")]
    [InlineData("/etc/passwd")]
    public void Stat_bytes_equal_the_host_kernel_s(string name)
    {
        string path = name.StartsWith('/') ? name : _rig.HostPath(name);
        string host = Gcc.Run(s_probe.Value, $"stat {path}").Trim();
        Assert.Equal(0, _rig.Call(Newfstatat, unchecked((ulong)AtFdcwd), _rig.Ctx.PutString(PathA, path), Struct, AtSymlinkNofollow));
        Assert.Equal(host, Hex(_rig.Ctx.Get(Struct, StatLayout.StatSize))); // all 144 bytes, padding included
    }

    [GccTheory]
    [InlineData("file")]
    [InlineData("link")]
    [InlineData("dir")]
    public void Statx_bytes_equal_the_host_kernel_s(string name)
    {
        string path = _rig.HostPath(name);
        string host = Gcc.Run(s_probe.Value, $"statx {path}").Trim();
        Assert.Equal(0, _rig.Call(FsAbi.Statx, unchecked((ulong)AtFdcwd), _rig.Ctx.PutString(PathA, path), AtSymlinkNofollow,
            StatxBasicStats | StatxBtime, Struct));
        Assert.Equal(host, Hex(_rig.Ctx.Get(Struct, StatLayout.StatxSize))); // the same mask asked, the same answer
    }

    [GccFact]
    public void Getdents64_lists_the_host_s_names_types_and_inode_numbers()
    {
        var host = Gcc.Run(s_probe.Value, $"list {_rig.HostPath("dir")}").Split('\n', StringSplitOptions.RemoveEmptyEntries).ToHashSet();
        int fd = (int)_rig.Open(_rig.HostPath("dir"), ORdOnly | ODirectory);
        var ours = _rig.List(fd).Select(e => $"{e.Name} {e.Type} {e.Ino}").ToHashSet();
        Assert.Equal(host, ours); // same entries, "." and ".." included (the order may differ)
    }
}

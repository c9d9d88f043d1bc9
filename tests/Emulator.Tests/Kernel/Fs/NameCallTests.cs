using System.Runtime.Versioning;
using Emulator.Core;
using Emulator.Core.Kernel.Fs;
using static Emulator.Core.Kernel.Fs.FsAbi;
using static Emulator.Tests.Kernel.Fs.FsRig;

namespace Emulator.Tests.Kernel.Fs;

/// <summary>The name-space calls on the host (no overlay): mkdir, rmdir, unlink, rename, link, symlink,
/// readlink, access, with Linux's errnos for ".", "..", trailing slashes and type mismatches. The same
/// cases run under the overlay in <see cref="OverlayTests"/>.</summary>
[SupportedOSPlatform("linux")]
public sealed class NameCallTests : IDisposable
{
    private readonly FsRig _rig = new();

    public void Dispose() => _rig.Dispose();

    private ulong A(string path) => _rig.Ctx.PutString(PathA, path);

    private ulong B(string path) => _rig.Ctx.PutString(PathB, path);

    private static ulong Cwd => unchecked((ulong)AtFdcwd);

    [Fact]
    public void Mkdir_and_rmdir()
    {
        Assert.Equal(0, _rig.Call(Mkdir, A("d"), 0x1ff));
        Assert.True(Directory.Exists(_rig.HostPath("d")));
        Assert.Equal((UnixFileMode)0x1ed, File.GetUnixFileMode(_rig.HostPath("d"))); // 0777 & ~022
        Assert.Equal(Err(Errno.EEXIST), _rig.Call(Mkdir, A("d"), 0x1ff));
        Assert.Equal(Err(Errno.EEXIST), _rig.Call(Mkdir, A("."), 0x1ff));
        Assert.Equal(0, _rig.Call(Mkdir, A("e/"), 0x1ff)); // mkdir accepts a trailing slash
        Assert.Equal(Err(Errno.ENOENT), _rig.Call(Mkdir, A("x/y"), 0x1ff));
        File.WriteAllText(_rig.HostPath("d/f"), "");
        Assert.Equal(Err(Errno.ENOTEMPTY), _rig.Call(Rmdir, A("d")));
        Assert.Equal(Err(Errno.ENOTDIR), _rig.Call(Rmdir, A("d/f")));
        Assert.Equal(Err(Errno.EINVAL), _rig.Call(Rmdir, A("d/.")));
        Assert.Equal(Err(Errno.ENOTEMPTY), _rig.Call(Rmdir, A("d/..")));
        Assert.Equal(0, _rig.Call(Unlink, A("d/f")));
        Assert.Equal(0, _rig.Call(Unlinkat, Cwd, A("d"), AtRemovedir));
        Assert.False(Directory.Exists(_rig.HostPath("d")));
        Assert.Equal(Err(Errno.EINVAL), _rig.Call(Unlinkat, Cwd, A("e"), 0x1));
        Assert.Equal(0, _rig.Call(Mkdirat, Cwd, A("m"), 0x1c0));
        Assert.Equal((UnixFileMode)0x1c0, File.GetUnixFileMode(_rig.HostPath("m")));
    }

    [Fact]
    public void Unlink_refuses_directories_and_follows_no_symlink()
    {
        Directory.CreateDirectory(_rig.HostPath("d"));
        File.WriteAllText(_rig.HostPath("target"), "t");
        File.CreateSymbolicLink(_rig.HostPath("l"), "target");
        Assert.Equal(Err(Errno.EISDIR), _rig.Call(Unlink, A("d")));
        Assert.Equal(Err(Errno.EISDIR), _rig.Call(Unlink, A(".")));
        Assert.Equal(Err(Errno.ENOENT), _rig.Call(Unlink, A("none")));
        Assert.Equal(Err(Errno.ENOTDIR), _rig.Call(Unlink, A("target/"))); // a trailing slash on a file
        Assert.Equal(0, _rig.Call(Unlink, A("l")));
        Assert.True(File.Exists(_rig.HostPath("target"))); // the link went, not its target
    }

    [Fact]
    public void Rename_replaces_and_checks_types()
    {
        File.WriteAllText(_rig.HostPath("a"), "A");
        File.WriteAllText(_rig.HostPath("b"), "B");
        Directory.CreateDirectory(_rig.HostPath("d"));
        Directory.CreateDirectory(_rig.HostPath("e/sub"));
        Assert.Equal(Err(Errno.EEXIST), _rig.Call(Renameat2, Cwd, A("a"), Cwd, B("b"), RenameNoreplace));
        Assert.Equal(0, _rig.Call(FsAbi.Rename, A("a"), B("b")));
        Assert.Equal("A", File.ReadAllText(_rig.HostPath("b")));
        Assert.False(File.Exists(_rig.HostPath("a")));
        Assert.Equal(Err(Errno.EISDIR), _rig.Call(FsAbi.Rename, A("b"), B("d")));
        Assert.Equal(Err(Errno.ENOTDIR), _rig.Call(FsAbi.Rename, A("d"), B("b")));
        Assert.Equal(Err(Errno.ENOTEMPTY), _rig.Call(FsAbi.Rename, A("d"), B("e")));
        Assert.Equal(Err(Errno.EINVAL), _rig.Call(FsAbi.Rename, A("e"), B("e/sub/x"))); // into its own subtree
        Assert.Equal(Err(Errno.EBUSY), _rig.Call(FsAbi.Rename, A("."), B("z")));
        Assert.Equal(Err(Errno.ENOENT), _rig.Call(FsAbi.Rename, A("none"), B("z")));
        Assert.Equal(0, _rig.Call(FsAbi.Rename, A("b"), B("b"))); // one file, two equal names: nothing happens
        Assert.Equal(Err(Errno.EINVAL), _rig.Call(Renameat2, Cwd, A("b"), Cwd, B("c"), RenameNoreplace | RenameExchange));
        File.WriteAllText(_rig.HostPath("c"), "C");
        Assert.Equal(0, _rig.Call(Renameat2, Cwd, A("b"), Cwd, B("c"), RenameExchange));
        Assert.Equal("C", File.ReadAllText(_rig.HostPath("b")));
        Assert.Equal(Err(Errno.EXDEV), _rig.Call(FsAbi.Rename, A("b"), B("/dev/shm/b"))); // host → memory
    }

    [Fact]
    public void Link_symlink_and_readlink()
    {
        File.WriteAllText(_rig.HostPath("f"), "data");
        Assert.Equal(0, _rig.Call(FsAbi.Link, A("f"), B("g")));
        Assert.Equal(0, _rig.Stat("g", out var g));
        Assert.Equal(2u, (uint)g.Nlink);
        Assert.Equal(Err(Errno.EEXIST), _rig.Call(FsAbi.Link, A("f"), B("g")));
        Assert.Equal(Err(Errno.EPERM), _rig.Call(FsAbi.Link, A("."), B("h"))); // no hard links to directories
        Assert.Equal(0, _rig.Call(FsAbi.Symlink, A("f"), B("s")));
        Assert.Equal("f", File.ResolveLinkTarget(_rig.HostPath("s"), false)!.Name);
        Assert.Equal(1, _rig.Call(Readlink, A("s"), Data, 100));
        Assert.Equal("f", _rig.Ctx.GetString(Data, 1));
        Assert.Equal(0, _rig.Call(FsAbi.Symlink, A("a-much-longer-target"), B("t")));
        Assert.Equal(3, _rig.Call(Readlink, A("t"), Data, 3)); // cut at bufsiz, no NUL
        Assert.Equal(Err(Errno.EINVAL), _rig.Call(Readlink, A("f"), Data, 100)); // not a symlink
        Assert.Equal(Err(Errno.EINVAL), _rig.Call(Readlink, A("s"), Data, 0));
        Assert.Equal(Err(Errno.ENOENT), _rig.Call(FsAbi.Symlink, A(""), B("u")));
        Assert.Equal(Err(Errno.EEXIST), _rig.Call(FsAbi.Symlink, A("x"), B("s")));
        // linkat without AT_SYMLINK_FOLLOW links the symlink itself; with it, the target.
        Assert.Equal(0, _rig.Call(Linkat, Cwd, A("s"), Cwd, B("s2"), 0));
        Assert.Equal(0, _rig.Stat("s2", out var s2, AtSymlinkNofollow));
        Assert.Equal(SIflnk, s2.Type);
        Assert.Equal(0, _rig.Call(Linkat, Cwd, A("s"), Cwd, B("f3"), AtSymlinkFollow));
        Assert.Equal(0, _rig.Stat("f3", out var f3, AtSymlinkNofollow));
        Assert.Equal(g.Ino, f3.Ino);
    }

    [Fact]
    public void Create_through_a_dangling_symlink_makes_its_target()
    {
        File.CreateSymbolicLink(_rig.HostPath("dangling"), "made");
        long fd = _rig.Open("dangling", OCreat | OWrOnly);
        Assert.True(fd >= 0);
        Assert.True(File.Exists(_rig.HostPath("made")));
        Assert.Equal(Err(Errno.EEXIST), _rig.Open("dangling", OCreat | OExcl | OWrOnly)); // O_EXCL does not follow
        Assert.Equal(Err(Errno.ELOOP), _rig.Open("dangling", ORdOnly | ONofollow));
    }

    [Fact]
    public void Symlink_loops_are_ELOOP()
    {
        File.CreateSymbolicLink(_rig.HostPath("l1"), "l2");
        File.CreateSymbolicLink(_rig.HostPath("l2"), "l1");
        Assert.Equal(Err(Errno.ELOOP), _rig.Open("l1", ORdOnly));
        Assert.Equal(Err(Errno.ELOOP), _rig.Stat("l1/x", out _));
    }

    [Fact]
    public void Access_checks_existence_and_modes()
    {
        File.WriteAllText(_rig.HostPath("f"), "");
        Assert.Equal(0, _rig.Call(FsAbi.Access, A("f"), FOk));
        Assert.Equal(0, _rig.Call(FsAbi.Access, A("f"), ROk | WOk));
        Assert.Equal(Err(Errno.ENOENT), _rig.Call(FsAbi.Access, A("g"), FOk));
        Assert.Equal(Err(Errno.EINVAL), _rig.Call(FsAbi.Access, A("f"), 8));
        Assert.Equal(Err(Errno.EACCES), _rig.Call(FsAbi.Access, A("f"), XOk)); // no x bit at all: even root may not
        Assert.Equal(0, _rig.Call(Faccessat2, Cwd, A("f"), FOk, AtEaccess | AtSymlinkNofollow));
        Assert.Equal(Err(Errno.EINVAL), _rig.Call(Faccessat2, Cwd, A("f"), FOk, 0x1));
    }

    [Fact]
    public void The_at_calls_resolve_relative_to_their_directory_descriptor()
    {
        Directory.CreateDirectory(_rig.HostPath("base/inner"));
        int dfd = (int)_rig.Open("base", ORdOnly | ODirectory);
        Assert.Equal(0, _rig.Call(Mkdirat, (ulong)dfd, A("new"), 0x1ff));
        Assert.True(Directory.Exists(_rig.HostPath("base/new")));
        long fd = _rig.Call(Openat, (ulong)dfd, A("inner/../file"), OCreat | OWrOnly, 0x1a4);
        Assert.True(fd >= 0);
        Assert.True(File.Exists(_rig.HostPath("base/file")));
        Assert.Equal(Err(Errno.ENOTDIR), _rig.Call(Openat, (ulong)fd, A("x"), ORdOnly)); // a file is no directory
        Assert.Equal(Err(Errno.EBADF), _rig.Call(Openat, 99, A("x"), ORdOnly));
        Assert.True(_rig.Call(Openat, 99, A(_rig.HostPath("base/file")), ORdOnly) >= 0); // an absolute path ignores dirfd
        long pathFd = _rig.Call(Openat, Cwd, A("base"), OPath | ODirectory);
        Assert.True(pathFd >= 0);
        Assert.True(_rig.Call(Openat, (ulong)pathFd, A("file"), ORdOnly) >= 0); // O_PATH directories anchor *at calls
        Assert.Equal(Err(Errno.EBADF), _rig.Call(Getdents64, (ulong)pathFd, Data, 4096)); // but cannot be listed
        Assert.Equal(0, _rig.Fstat((int)pathFd, out var st)); // fstat works on O_PATH
        Assert.Equal(SIfdir, st.Type);
    }
}

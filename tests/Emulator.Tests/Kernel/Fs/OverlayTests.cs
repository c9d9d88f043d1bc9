using System.Runtime.Versioning;
using System.Security.Cryptography;
using System.Text;
using Emulator.Core;
using Emulator.Core.Kernel.Fs;
using static Emulator.Core.Kernel.Fs.FsAbi;
using static Emulator.Tests.Kernel.Fs.FsRig;

namespace Emulator.Tests.Kernel.Fs;

/// <summary>
/// The overlay: the guest sees the host directory and can change anything, the host never changes.
/// Writes copy files up into memory, deletions leave whiteouts, listings merge both layers, and every
/// test ends by comparing the host tree (paths, modes, sizes, contents, times) with its state before.
/// </summary>
[SupportedOSPlatform("linux")]
public sealed class OverlayTests : IDisposable
{
    private readonly FsRig _rig;
    private readonly string _before;

    public OverlayTests()
    {
        _rig = new FsRig(new FsOptions { Overlay = true }, rootIsTemp: true);
        File.SetUnixFileMode(_rig.Dir, (UnixFileMode)0x1ed); // the guest's / as a root directory is: 0755, not mkdtemp's 0700
        File.WriteAllText(_rig.HostPath("file"), "lower");
        Directory.CreateDirectory(_rig.HostPath("dir/sub"));
        File.WriteAllText(_rig.HostPath("dir/a"), "A");
        File.WriteAllText(_rig.HostPath("dir/b"), "B");
        File.CreateSymbolicLink(_rig.HostPath("link"), "file");
        Directory.CreateDirectory(_rig.HostPath("full"));
        File.WriteAllText(_rig.HostPath("full/x"), "x");
        _before = HostSnapshot();
    }

    public void Dispose()
    {
        Assert.Equal(_before, HostSnapshot()); // whatever the test did, the host is as it was
        _rig.Dispose();
    }

    private string HostSnapshot() => string.Join('\n', FsRig.WalkWithoutFollowing(_rig.Dir).Order(StringComparer.Ordinal).Select(p =>
    {
        var info = new FileInfo(p);
        string content = info.LinkTarget ?? (File.Exists(p) ? Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(p))) : "dir");
        return $"{p} {Convert.ToString((int)info.UnixFileMode, 8)} {info.LastWriteTimeUtc.Ticks} {content}";
    }));

    private ulong A(string path) => _rig.Ctx.PutString(PathA, path);

    private ulong B(string path) => _rig.Ctx.PutString(PathB, path);

    private string ReadAll(string path)
    {
        long fd = _rig.Open(path, ORdOnly);
        Assert.True(fd >= 0, $"open {path}: {fd}");
        long n = _rig.Read((int)fd, 4096, out var data);
        _rig.Call(Close, (ulong)fd);
        Assert.True(n >= 0);
        return Encoding.ASCII.GetString(data);
    }

    private HashSet<string> Names(string dir)
    {
        long fd = _rig.Open(dir, ORdOnly | ODirectory);
        Assert.True(fd >= 0, $"open {dir}: {fd}");
        var names = _rig.List((int)fd).Select(e => e.Name).ToHashSet();
        _rig.Call(Close, (ulong)fd);
        return names;
    }

    [Fact]
    public void Writing_a_host_file_copies_it_up_and_keeps_its_identity()
    {
        Assert.Equal(0, _rig.Stat("/file", out var lower));
        long fd = _rig.Open("/file", OWrOnly | OAppend);
        Assert.Equal(4, _rig.Write((int)fd, "+new"u8.ToArray()));
        Assert.Equal("lower+new", ReadAll("/file"));
        Assert.Equal(0, _rig.Stat("/file", out var upper));
        Assert.Equal(lower.Ino, upper.Ino); // the same file to the guest, before and after the copy-up
        Assert.Equal(lower.Dev, upper.Dev);
        Assert.Equal(9, upper.Size);
        Assert.Equal("lower+new", ReadAll("/link")); // the symlink leads to the upper copy
        Assert.Equal("lower", File.ReadAllText(_rig.HostPath("file")));
    }

    [Fact]
    public void Truncating_open_and_new_files_live_in_memory()
    {
        long fd = _rig.Open("/file", OWrOnly | OTrunc);
        Assert.Equal(0, _rig.Fstat((int)fd, out var st));
        Assert.Equal(0, st.Size);
        long created = _rig.Open("/dir/new", OCreat | OWrOnly, 0x1a4);
        Assert.Equal(3, _rig.Write((int)created, "new"u8.ToArray()));
        Assert.Equal("new", ReadAll("/dir/new"));
        Assert.Equal(new HashSet<string> { ".", "..", "a", "b", "sub", "new" }, Names("/dir")); // merged listing
        Assert.False(File.Exists(_rig.HostPath("dir/new")));
    }

    [Fact]
    public void Unlink_leaves_a_whiteout_and_the_name_can_be_reused()
    {
        Assert.Equal(0, _rig.Call(Unlink, A("/dir/a")));
        Assert.Equal(Err(Errno.ENOENT), _rig.Stat("/dir/a", out _));
        Assert.DoesNotContain("a", Names("/dir"));
        long fd = _rig.Open("/dir/a", OCreat | OWrOnly);
        Assert.Equal(5, _rig.Write((int)fd, "again"u8.ToArray()));
        Assert.Equal("again", ReadAll("/dir/a")); // a fresh file, nothing of the lower one shows through
        Assert.True(File.Exists(_rig.HostPath("dir/a")));
    }

    [Fact]
    public void Rmdir_of_a_host_directory_needs_it_empty_in_the_merged_view_and_a_new_one_is_opaque()
    {
        Assert.Equal(Err(Errno.ENOTEMPTY), _rig.Call(Rmdir, A("/full")));
        Assert.Equal(0, _rig.Call(Unlink, A("/full/x")));
        Assert.Empty(Names("/full").Except([".", ".."]));
        Assert.Equal(0, _rig.Call(Rmdir, A("/full")));
        Assert.Equal(Err(Errno.ENOENT), _rig.Stat("/full", out _));
        Assert.Equal(0, _rig.Call(Mkdir, A("/full"), 0x1ed));
        Assert.Equal(new HashSet<string> { ".", ".." }, Names("/full")); // the old x does not come back
        Assert.Equal(Err(Errno.ENOENT), _rig.Stat("/full/x", out _));
    }

    [Fact]
    public void Rename_moves_files_through_the_upper_layer_and_refuses_host_directories()
    {
        Assert.Equal(0, _rig.Stat("/dir/b", out var b));
        Assert.Equal(0, _rig.Call(FsAbi.Rename, A("/dir/b"), B("/moved")));
        Assert.Equal("B", ReadAll("/moved"));
        Assert.Equal(0, _rig.Stat("/moved", out var moved));
        Assert.Equal(b.Ino, moved.Ino);
        Assert.Equal(Err(Errno.ENOENT), _rig.Stat("/dir/b", out _));
        Assert.Equal(0, _rig.Call(FsAbi.Rename, A("/moved"), B("/file"))); // replaces a lower file
        Assert.Equal("B", ReadAll("/file"));
        Assert.Equal(Err(Errno.EXDEV), _rig.Call(FsAbi.Rename, A("/dir"), B("/dir2"))); // overlayfs without redirect_dir
        Assert.Equal(0, _rig.Call(Mkdir, A("/mine"), 0x1ed));
        Assert.Equal(0, _rig.Call(FsAbi.Rename, A("/mine"), B("/mine2"))); // a directory only in memory moves
        Assert.Equal(Err(Errno.EEXIST), _rig.Call(Renameat2, unchecked((ulong)AtFdcwd), A("/file"), unchecked((ulong)AtFdcwd), B("/mine2"),
            RenameNoreplace));
        Assert.Equal(Err(Errno.EINVAL), _rig.Call(Renameat2, unchecked((ulong)AtFdcwd), A("/file"), unchecked((ulong)AtFdcwd), B("/link"),
            RenameExchange));
    }

    [Fact]
    public void Attribute_changes_copy_up_and_links_and_symlinks_are_made_in_memory()
    {
        Assert.Equal(0, _rig.Call(Chmod, A("/file"), 0x1c0));
        Assert.Equal(0, _rig.Stat("/file", out var st));
        Assert.Equal(0x1c0u, st.Mode & 0xfff);
        Assert.Equal(0, _rig.Call(FsAbi.Link, A("/dir/a"), B("/hard")));
        Assert.Equal(0, _rig.Stat("/hard", out var hard));
        Assert.Equal(2u, (uint)hard.Nlink);
        Assert.Equal(0, _rig.Call(FsAbi.Symlink, A("dir/a"), B("/soft")));
        Assert.Equal("A", ReadAll("/soft"));
        Assert.Equal(5, _rig.Call(Readlink, A("/soft"), Data, 100));
        int ro = (int)_rig.Open("/dir/b", ORdOnly);
        Assert.Equal(Err(Errno.EBADF), _rig.Write(ro, [1]));
        Assert.Equal(0, _rig.Call(Fchmod, (ulong)ro, 0x180)); // fchmod of a host file read through the overlay copies it up
        Assert.Equal(0, _rig.Stat("/dir/b", out var b));
        Assert.Equal(0x180u, b.Mode & 0xfff);
        Assert.Equal(0, _rig.Call(FsAbi.Truncate, A("/dir/b"), 100));
        Assert.Equal(0, _rig.Stat("/dir/b", out b));
        Assert.Equal(100, b.Size);
        var times = new byte[32];
        new Timespec(5, 0).Write(times);
        new Timespec(6, 0).Write(times.AsSpan(16));
        _rig.Ctx.Put(Struct + 0x400, times);
        Assert.Equal(0, _rig.Call(Utimensat, unchecked((ulong)AtFdcwd), A("/dir/sub"), Struct + 0x400, 0));
        Assert.Equal(0, _rig.Stat("/dir/sub", out var sub));
        Assert.Equal(new Timespec(6, 0), sub.Mtime);
    }

    [Fact]
    public void In_memory_files_follow_the_permission_rules_for_an_unprivileged_caller()
    {
        // Another user than the host's: the host files (0644, directories 0755) are not the caller's.
        _rig.Ctx.Uid = GuestFileSystem.HostUid + 1;
        _rig.Ctx.Gid = GuestFileSystem.HostGid + 1;
        Assert.Equal(Err(Errno.EACCES), _rig.Open("/dir/a", OWrOnly));
        Assert.Equal(Err(Errno.EACCES), _rig.Open("/dir/new", OCreat | OWrOnly)); // no write permission on the directory
        Assert.Equal(Err(Errno.EACCES), _rig.Call(Unlink, A("/dir/a")));
        Assert.Equal(Err(Errno.EPERM), _rig.Call(Chmod, A("/dir/a"), 0x1ff)); // not the owner
        Assert.Equal(Err(Errno.EPERM), _rig.Call(FsAbi.Chown, A("/dir/a"), _rig.Ctx.Uid, uint.MaxValue));
        Assert.Equal("A", ReadAll("/dir/a")); // reading is allowed
        _rig.Ctx.Uid = GuestFileSystem.HostUid;
        _rig.Ctx.Gid = GuestFileSystem.HostGid;
        Assert.Equal(0, _rig.Call(Mkdir, A("/shared"), 0x3ff)); // drwxrwxrwt, made by the host's user
        Assert.Equal(0, _rig.Call(Chmod, A("/shared"), 0x3ff));
        long fd = _rig.Open("/shared/owned", OCreat | OWrOnly, 0x1b6);
        Assert.True(fd >= 0);
        _rig.Ctx.Uid = GuestFileSystem.HostUid + 1;
        Assert.Equal(Err(Errno.EPERM), _rig.Call(Unlink, A("/shared/owned"))); // the sticky bit protects another user's file
        Assert.True(_rig.Open("/shared/mine", OCreat | OWrOnly) >= 0); // but the directory is writable to all
        Assert.Equal(0, _rig.Call(Unlink, A("/shared/mine")));
    }

    [Fact]
    public void The_memory_budget_refuses_more_than_it_holds_and_the_host_is_untouched()
    {
        using var small = new FsRig(new FsOptions { Overlay = true, MemoryFileLimit = 16 * 1024 }, rootIsTemp: true);
        long fd = small.Open("/big", OCreat | OWrOnly);
        var data = new byte[64 * 1024];
        small.Ctx.Put(Data, data);
        Assert.Equal(16 * 1024, small.Call(FsAbi.Write, (ulong)fd, Data, (ulong)data.Length));
        Assert.Equal(Err(Errno.ENOSPC), small.Call(FsAbi.Write, (ulong)fd, Data, 1));
        Assert.False(File.Exists(small.HostPath("big")));
    }

    [Fact]
    public void Statfs_says_overlay_and_proc_mounts_name_it()
    {
        Assert.Equal(0, _rig.Call(FsAbi.Statfs, A("/"), Struct));
        Assert.Equal(OverlayfsSuperMagic, StatFs.Read(_rig.Ctx.Get(Struct, StatFs.Size)).Type);
        Assert.StartsWith("overlay / overlay", ReadAll("/proc/self/mounts"));
    }
}

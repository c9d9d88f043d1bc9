using System.Runtime.Versioning;
using Emulator.Core;
using Emulator.Core.Kernel.Fs;
using static Emulator.Core.Kernel.Fs.FsAbi;
using static Emulator.Tests.Kernel.Fs.FsRig;

namespace Emulator.Tests.Kernel.Fs;

/// <summary>
/// A guest confined to a root directory cannot name anything outside it: <c>..</c> stops at the root,
/// absolute symlink targets start at the guest's root, relative ones climbing out are clamped, and
/// nothing outside the root is read, created, renamed or removed. The layout, under a temporary
/// directory T: T/outside/secret (the thing to reach), T/root (the guest's /) holding decoys.
/// </summary>
[SupportedOSPlatform("linux")]
public sealed class ConfinementTests : IDisposable
{
    private readonly FsRig _outer = new();
    private readonly string _root;
    private readonly string _outside;
    private readonly FsRig _rig;

    public ConfinementTests()
    {
        _outside = _outer.HostPath("outside");
        _root = _outer.HostPath("root");
        Directory.CreateDirectory(_outside);
        File.WriteAllText(Path.Combine(_outside, "secret"), "SECRET");
        Directory.CreateDirectory(Path.Combine(_root, "etc"));
        File.WriteAllText(Path.Combine(_root, "etc", "passwd"), "guest passwd");
        File.WriteAllText(Path.Combine(_root, "inside"), "inside");
        Directory.CreateDirectory(Path.Combine(_root, "sub", "deeper"));
        File.CreateSymbolicLink(Path.Combine(_root, "abs"), "/etc/passwd");
        File.CreateSymbolicLink(Path.Combine(_root, "climb"), "../outside/secret");
        File.CreateSymbolicLink(Path.Combine(_root, "sub", "climb3"), "../../../outside/secret");
        File.CreateSymbolicLink(Path.Combine(_root, "hostpath"), Path.Combine(_outside, "secret"));
        File.CreateSymbolicLink(Path.Combine(_root, "updir"), "../../..");
        File.CreateSymbolicLink(Path.Combine(_root, "outdir"), "../outside");
        _rig = new FsRig(new FsOptions { Root = _root });
        _rig.Ctx.Fs.Cwd = "/";
    }

    public void Dispose()
    {
        _rig.Dispose();
        _outer.Dispose();
    }

    /// <summary>Every path, size and modification time under T/outside and T itself (root excluded).</summary>
    private string OutsideSnapshot() => string.Join('\n',
        FsRig.WalkWithoutFollowing(_outer.Dir)
            .Where(p => p != _root && !p.StartsWith(_root + "/", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)
            .Select(p => $"{p} {(File.Exists(p) ? new FileInfo(p).Length : -1)} {new FileInfo(p).LastWriteTimeUtc.Ticks}"));

    [Theory]
    [InlineData("/../outside/secret")]
    [InlineData("../../../../outside/secret")]
    [InlineData("/sub/deeper/../../../outside/secret")]
    [InlineData("/climb")]
    [InlineData("/sub/climb3")]
    [InlineData("/hostpath")]
    [InlineData("/outdir/secret")]
    [InlineData("/updir/outside/secret")]
    public void No_path_reaches_a_file_outside_the_root(string path)
    {
        Assert.Equal(Err(Errno.ENOENT), _rig.Open(path, ORdOnly)); // resolved inside the root, where no such file is
        Assert.Equal(Err(Errno.ENOENT), _rig.Stat(path, out _));
    }

    [Fact]
    public void Dotdot_stops_at_the_root_and_absolute_symlinks_start_there()
    {
        Assert.Equal(0, _rig.Stat("/", out var root));
        Assert.Equal(0, _rig.Stat("/..", out var up));
        Assert.Equal(root.Ino, up.Ino);
        Assert.Equal(0, _rig.Stat("/updir", out var viaLink));
        Assert.Equal(root.Ino, viaLink.Ino); // "../../.." from the root is the root
        long fd = _rig.Open("/abs", ORdOnly);
        Assert.Equal(12, _rig.Read((int)fd, 100, out var data));
        Assert.Equal("guest passwd", System.Text.Encoding.ASCII.GetString(data)); // the root's /etc/passwd, not the host's
        Assert.Equal(0, _rig.Call(Chdir, _rig.Ctx.PutString(PathA, "/sub/deeper/../../../../..")));
        Assert.Equal("/", _rig.Ctx.Fs.Cwd);
        long n = _rig.Call(Getcwd, Data, 100);
        Assert.Equal("/", _rig.Ctx.GetString(Data, (int)n - 1));
        int dot = (int)_rig.Open("/", ORdOnly | ODirectory);
        var listing = _rig.List(dot);
        Assert.Equal(root.Ino, listing.Single(e => e.Name == "..").Ino); // the root's ".." is itself
        Assert.Contains(listing, e => e.Name == "inside");
        Assert.DoesNotContain(listing, e => e.Name == "outside");
    }

    [Fact]
    public void Changes_through_escaping_paths_land_inside_the_root_or_fail()
    {
        string before = OutsideSnapshot();
        Assert.Equal(Err(Errno.ENOENT), _rig.Open("/climb", OCreat | OWrOnly)); // ../outside does not exist inside
        Assert.Equal(Err(Errno.ENOENT), _rig.Open("/outdir/new", OCreat | OWrOnly));
        Assert.Equal(0, _rig.Call(Mkdir, _rig.Ctx.PutString(PathA, "/../escaped"), 0x1ff));
        Assert.True(Directory.Exists(Path.Combine(_root, "escaped"))); // made at the root, not beside it
        Assert.Equal(Err(Errno.ENOENT), _rig.Call(FsAbi.Rename, _rig.Ctx.PutString(PathA, "/inside"), _rig.Ctx.PutString(PathB, "/../outside/moved")));
        Assert.Equal(Err(Errno.ENOENT), _rig.Call(Unlink, _rig.Ctx.PutString(PathA, "/../outside/secret")));
        Assert.Equal(Err(Errno.ENOENT), _rig.Call(Linkat, unchecked((ulong)AtFdcwd), _rig.Ctx.PutString(PathA, "/hostpath"),
            unchecked((ulong)AtFdcwd), _rig.Ctx.PutString(PathB, "/stolen"), AtSymlinkFollow)); // the target is not in the root
        Assert.Equal(0, _rig.Call(FsAbi.Link, _rig.Ctx.PutString(PathA, "/hostpath"), _rig.Ctx.PutString(PathB, "/stolen")));
        Assert.Equal(Err(Errno.ENOENT), _rig.Open("/stolen", ORdOnly)); // link() named the symlink itself, which stays confined
        Assert.Equal(0, _rig.Call(FsAbi.Symlink, _rig.Ctx.PutString(PathA, Path.Combine(_outside, "secret")), _rig.Ctx.PutString(PathB, "/mine")));
        Assert.Equal(Err(Errno.ENOENT), _rig.Open("/mine", ORdOnly)); // a link the guest made is confined as well
        Assert.Equal(Err(Errno.ENOENT), _rig.Call(Chmod, _rig.Ctx.PutString(PathA, "/climb"), 0x1ff));
        Assert.Equal(Err(Errno.ENOENT), _rig.Call(FsAbi.Truncate, _rig.Ctx.PutString(PathA, "/sub/climb3"), 0));
        Assert.Equal(before, OutsideSnapshot()); // nothing outside the root changed
        Assert.Equal("SECRET", File.ReadAllText(Path.Combine(_outside, "secret")));
    }

    [Fact]
    public void Executables_and_magic_links_stay_inside_too()
    {
        File.WriteAllText(Path.Combine(_root, "tool"), "#!");
        File.SetUnixFileMode(Path.Combine(_root, "tool"), (UnixFileMode)0x1ed);
        Assert.Equal(Errno.Ok, _rig.Fs.ReadExecutable(_rig.Ctx, "/sub/../tool", 1 << 20, out var bytes, out var guestPath));
        Assert.Equal("/tool", guestPath);
        Assert.Equal("#!"u8.ToArray(), bytes);
        Assert.Equal(Errno.ENOENT, _rig.Fs.ReadExecutable(_rig.Ctx, "/../outside/secret", 1 << 20, out _, out _));
        _rig.Ctx.ExePath = "/../../outside/secret";
        Assert.Equal(Err(Errno.ENOENT), _rig.Open("/proc/self/exe", ORdOnly)); // /proc/self/exe is resolved in the root as well
    }

    [Fact]
    public void The_initial_working_directory_is_the_root_unless_the_host_s_lies_inside()
    {
        Assert.Equal("/", _rig.Fs.InitialWorkingDirectory());
        Assert.Equal(HostLibc.FromHostString(_root), _rig.Fs.HostRoot);
    }
}

using System.Buffers.Binary;
using System.Runtime.Versioning;
using Emulator.Core;
using Emulator.Core.Kernel.Fs;
using static Emulator.Core.Kernel.Fs.FsAbi;
using static Emulator.Tests.Kernel.Fs.FsRig;

namespace Emulator.Tests.Kernel.Fs;

/// <summary>chmod, chown, utimensat/utimes, truncate/ftruncate, fsync, statx, statfs, fallocate, fadvise,
/// flock, umask on host files.</summary>
[SupportedOSPlatform("linux")]
public sealed class AttributeCallTests : IDisposable
{
    private readonly FsRig _rig = new();

    public void Dispose() => _rig.Dispose();

    private ulong A(string path) => _rig.Ctx.PutString(PathA, path);

    private static ulong Cwd => unchecked((ulong)AtFdcwd);

    /// <summary>Where the times arrays go (away from <see cref="FsRig.Struct"/>, which stat overwrites).</summary>
    private const ulong Times = Struct + 0x400;

    [Fact]
    public void Chmod_by_path_and_descriptor()
    {
        File.WriteAllText(_rig.HostPath("f"), "");
        Assert.Equal(0, _rig.Call(Chmod, A("f"), 0x1c0)); // 0700
        Assert.Equal((UnixFileMode)0x1c0, File.GetUnixFileMode(_rig.HostPath("f")));
        int fd = (int)_rig.Open("f", ORdOnly);
        Assert.Equal(0, _rig.Call(Fchmod, (ulong)fd, 0x124)); // 0444
        Assert.Equal((UnixFileMode)0x124, File.GetUnixFileMode(_rig.HostPath("f")));
        File.CreateSymbolicLink(_rig.HostPath("l"), "f");
        Assert.Equal(Err(Errno.EOPNOTSUPP), _rig.Call(Fchmodat2, Cwd, A("l"), 0x1ff, AtSymlinkNofollow));
        Assert.Equal(0, _rig.Call(Fchmodat, Cwd, A("l"), 0x180)); // follows the link
        Assert.Equal((UnixFileMode)0x180, File.GetUnixFileMode(_rig.HostPath("f")));
        Assert.Equal(Err(Errno.ENOENT), _rig.Call(Chmod, A("none"), 0x1ff));
    }

    [Fact]
    public void Chown_to_the_same_owner_works_and_minus_one_changes_nothing()
    {
        File.WriteAllText(_rig.HostPath("f"), "");
        Assert.Equal(0, _rig.Stat("f", out var st));
        Assert.Equal(0, _rig.Call(FsAbi.Chown, A("f"), st.Uid, st.Gid));
        Assert.Equal(0, _rig.Call(Lchown, A("f"), uint.MaxValue, uint.MaxValue));
        int fd = (int)_rig.Open("f", ORdOnly);
        Assert.Equal(0, _rig.Call(Fchown, (ulong)fd, uint.MaxValue, st.Gid));
        Assert.Equal(Err(Errno.EINVAL), _rig.Call(Fchownat, Cwd, A("f"), 0, 0, 0x2));
    }

    [Fact]
    public void Utimensat_sets_explicit_times_keeps_omitted_ones_and_follows_or_not()
    {
        File.WriteAllText(_rig.HostPath("f"), "");
        var times = new byte[32];
        new Timespec(1_000_000_000, 123_456_789).Write(times);
        new Timespec(0, UtimeOmit).Write(times.AsSpan(16));
        _rig.Ctx.Put(Times, times);
        Assert.Equal(0, _rig.Stat("f", out var before));
        Assert.Equal(0, _rig.Call(Utimensat, Cwd, A("f"), Times, 0));
        Assert.Equal(0, _rig.Stat("f", out var after));
        Assert.Equal(new Timespec(1_000_000_000, 123_456_789), after.Atime);
        Assert.Equal(before.Mtime, after.Mtime); // UTIME_OMIT left it
        new Timespec(0, 1_000_000_000).Write(times);
        _rig.Ctx.Put(Times, times);
        Assert.Equal(Err(Errno.EINVAL), _rig.Call(Utimensat, Cwd, A("f"), Times, 0)); // tv_nsec out of range
        Assert.Equal(0, _rig.Call(Utimensat, Cwd, A("f"), 0, 0)); // NULL: now
        // utimes with struct timeval[2]
        var tv = new byte[32];
        new Timeval(2_000_000_000, 5).Write(tv);
        new Timeval(2_000_000_001, 6).Write(tv.AsSpan(16));
        _rig.Ctx.Put(Times, tv);
        Assert.Equal(0, _rig.Call(Utimes, A("f"), Times));
        Assert.Equal(0, _rig.Stat("f", out var viaUtimes));
        Assert.Equal(new Timespec(2_000_000_001, 6000), viaUtimes.Mtime);
        int fd = (int)_rig.Open("f", ORdOnly);
        new Timespec(3, 0).Write(times);
        new Timespec(4, 0).Write(times.AsSpan(16));
        _rig.Ctx.Put(Times, times);
        Assert.Equal(0, _rig.Call(Utimensat, (ulong)fd, 0, Times, 0)); // futimens: NULL path, a descriptor
        Assert.Equal(0, _rig.Stat("f", out var viaFd));
        Assert.Equal(new Timespec(4, 0), viaFd.Mtime);
    }

    [Fact]
    public void Truncate_and_ftruncate()
    {
        File.WriteAllBytes(_rig.HostPath("f"), new byte[100]);
        Assert.Equal(0, _rig.Call(FsAbi.Truncate, A("f"), 10));
        Assert.Equal(10, new FileInfo(_rig.HostPath("f")).Length);
        Assert.Equal(Err(Errno.EINVAL), _rig.Call(FsAbi.Truncate, A("f"), unchecked((ulong)-1L)));
        Assert.Equal(Err(Errno.EISDIR), _rig.Call(FsAbi.Truncate, A("."), 0));
        int ro = (int)_rig.Open("f", ORdOnly);
        Assert.Equal(Err(Errno.EINVAL), _rig.Call(Ftruncate, (ulong)ro, 0)); // not open for writing
        int rw = (int)_rig.Open("f", ORdWr);
        Assert.Equal(0, _rig.Call(Ftruncate, (ulong)rw, 5000));
        Assert.Equal(5000, new FileInfo(_rig.HostPath("f")).Length);
        Assert.Equal(0, _rig.Call(Fsync, (ulong)rw));
        Assert.Equal(0, _rig.Call(Fdatasync, (ulong)rw));
        Assert.Equal(0, _rig.Call(FsAbi.Sync));
        Assert.Equal(0, _rig.Call(Fallocate, (ulong)rw, 0, 0, 8192));
        Assert.Equal(8192, new FileInfo(_rig.HostPath("f")).Length);
        Assert.Equal(Err(Errno.EINVAL), _rig.Call(Fallocate, (ulong)rw, 0, 0, 0));
        Assert.Equal(0, _rig.Call(Fadvise64, (ulong)rw, 0, 0, 4));
        Assert.Equal(Err(Errno.EINVAL), _rig.Call(Fadvise64, (ulong)rw, 0, 0, 9));
        Assert.Equal(0, _rig.Call(Flock, (ulong)rw, 2 | 4));
        Assert.Equal(Err(Errno.EINVAL), _rig.Call(Flock, (ulong)rw, 3));
    }

    [Fact]
    public void Statx_reports_what_was_asked_and_the_basic_stats()
    {
        File.WriteAllBytes(_rig.HostPath("f"), new byte[777]);
        Assert.Equal(0, _rig.Call(FsAbi.Statx, Cwd, A("f"), 0, StatxBasicStats, Struct));
        var b = _rig.Ctx.Get(Struct, 256);
        uint mask = BinaryPrimitives.ReadUInt32LittleEndian(b);
        Assert.Equal(StatxBasicStats, mask & StatxBasicStats);
        Assert.Equal(777, BinaryPrimitives.ReadInt64LittleEndian(b.AsSpan(StatLayout.StxSize)));
        Assert.Equal(SIfreg, BinaryPrimitives.ReadUInt16LittleEndian(b.AsSpan(StatLayout.StxMode)) & SIfmt);
        Assert.Equal(0, _rig.Stat("f", out var st));
        Assert.Equal(st.Ino, BinaryPrimitives.ReadUInt64LittleEndian(b.AsSpan(StatLayout.StxIno)));
        Assert.Equal(Err(Errno.EINVAL), _rig.Call(FsAbi.Statx, Cwd, A("f"), 0, StatxReserved, Struct));
        Assert.Equal(Err(Errno.EINVAL), _rig.Call(FsAbi.Statx, Cwd, A("f"), AtStatxSyncType, StatxBasicStats, Struct));
        Assert.Equal(0, _rig.Call(FsAbi.Statx, Cwd, 0, AtEmptyPath, StatxBasicStats, Struct)); // NULL path: the cwd
    }

    [Fact]
    public void Statfs_of_host_proc_and_pipes()
    {
        Assert.Equal(0, _rig.Call(FsAbi.Statfs, A("/proc"), Struct));
        Assert.Equal(ProcSuperMagic, StatFs.Read(_rig.Ctx.Get(Struct, StatFs.Size)).Type);
        Assert.Equal(0, _rig.Call(FsAbi.Statfs, A("."), Struct));
        var host = StatFs.Read(_rig.Ctx.Get(Struct, StatFs.Size));
        Assert.True(host.BlockSize > 0 && host.NameMax == 255); // the host file system's own answer
        Assert.Equal(0, _rig.Call(Pipe2, Struct, 0));
        Assert.Equal(0, _rig.Call(Fstatfs, (ulong)_rig.Ctx.GetInt(Struct), Struct + 0x100));
        Assert.Equal(PipefsMagic, StatFs.Read(_rig.Ctx.Get(Struct + 0x100, StatFs.Size)).Type);
    }

    [Fact]
    public void Umask_returns_the_previous_mask()
    {
        Assert.Equal(0x12, _rig.Call(FsAbi.Umask, 0x3f));
        Assert.Equal(0x3f, _rig.Call(FsAbi.Umask, 0xfff));
        Assert.Equal(0x1ff, _rig.Call(FsAbi.Umask, 0x12)); // only the permission bits are kept
    }
}

using System.Buffers.Binary;
using System.Runtime.Versioning;
using System.Text;
using Emulator.Core;
using Emulator.Core.Kernel.Fs;
using static Emulator.Core.Kernel.Fs.FsAbi;
using static Emulator.Tests.Kernel.Fs.FsRig;

namespace Emulator.Tests.Kernel.Fs;

/// <summary>The special devices, the console, kernel-registered devices, memfd, sendfile and
/// copy_file_range, and the descriptor-level ioctls.</summary>
[SupportedOSPlatform("linux")]
public sealed class DeviceAndMiscTests : IDisposable
{
    private readonly FsRig _rig = new();

    public void Dispose() => _rig.Dispose();

    [Fact]
    public void Null_zero_and_full_behave_as_their_drivers()
    {
        int nul = (int)_rig.Open("/dev/null", ORdWr);
        int zero = (int)_rig.Open("/dev/zero", ORdOnly);
        int full = (int)_rig.Open("/dev/full", ORdWr);
        Assert.Equal(0, _rig.Read(nul, 10, out _)); // end of file
        Assert.Equal(1 << 30, _rig.Call(FsAbi.Write, (ulong)nul, Wild, 1 << 30)); // write_null never reads the buffer
        _rig.Ctx.Put(Data, [1, 2, 3]);
        Assert.Equal(3, _rig.Read(zero, 3, out var zeros));
        Assert.Equal(new byte[3], zeros);
        Assert.Equal(Err(Errno.ENOSPC), _rig.Write(full, [1]));
        Assert.Equal(0, _rig.Fstat(nul, out var st));
        Assert.Equal(SIfchr, st.Type);
        Assert.Equal(FileStat.EncodeDev(1, 3), st.Rdev);
        Assert.Equal(0, _rig.Call(Lseek, (ulong)zero, 12345, SeekSet)); // lseek on these answers 0
    }

    [Fact]
    public void Urandom_bytes_depend_only_on_the_seed()
    {
        byte[] Draw(ulong seed)
        {
            using var rig = new FsRig(new FsOptions { RandomSeed = seed });
            int fd = (int)rig.Open("/dev/urandom", ORdOnly);
            Assert.Equal(64, rig.Read(fd, 64, out var bytes));
            int fd2 = (int)rig.Open("/dev/random", ORdOnly);
            Assert.Equal(16, rig.Read(fd2, 16, out var more));
            return [.. bytes, .. more];
        }
        var a = Draw(42);
        Assert.Equal(a, Draw(42)); // same seed, same bytes, across opens of both devices
        Assert.NotEqual(a, Draw(43));
        Assert.Contains(a, b => b != 0);
    }

    [Fact]
    public void The_console_passes_bytes_through_and_is_not_a_terminal_without_a_host_descriptor()
    {
        var input = new MemoryStream(Encoding.ASCII.GetBytes("typed"));
        var output = new MemoryStream();
        int stdin = _rig.Ctx.Files.Install(new ConsoleFile(input, null, -1, ORdOnly, "/dev/pts/0"), false);
        int stdout = _rig.Ctx.Files.Install(new ConsoleFile(null, output, -1, OWrOnly, "/dev/pts/0"), false);
        Assert.Equal(5, _rig.Read(stdin, 100, out var got));
        Assert.Equal("typed", Encoding.ASCII.GetString(got));
        Assert.Equal(0, _rig.Read(stdin, 100, out _)); // the stream ended
        Assert.Equal(6, _rig.Write(stdout, "hello\n"u8.ToArray()));
        Assert.Equal("hello\n", Encoding.ASCII.GetString(output.ToArray()));
        Assert.Equal(Err(Errno.ENOTTY), _rig.Call(FsAbi.Ioctl, (ulong)stdout, Tcgets, Struct)); // isatty() is false
        Assert.Equal(Err(Errno.ENOTTY), _rig.Call(FsAbi.Ioctl, (ulong)stdout, Tiocgwinsz, Struct));
        Assert.Equal(0, _rig.Call(FsAbi.Ioctl, (ulong)stdout, Fioclex));
        Assert.Equal(FdCloexec, _rig.Call(Fcntl, (ulong)stdout, FGetfd));
        Assert.Equal(0, _rig.Call(FsAbi.Ioctl, (ulong)stdout, Fionclex));
        Assert.Equal(0, _rig.Call(Fcntl, (ulong)stdout, FGetfd));
        // /dev/stdout reaches the same console (a magic link through /proc/self/fd/1).
        _rig.Ctx.Files.Close(0);
        _rig.Ctx.Files.Duplicate(stdin, 0, false);
        _rig.Ctx.Files.Duplicate(stdout, 1, false);
        long again = _rig.Open("/dev/stdout", OWrOnly);
        Assert.True(again >= 0);
        Assert.Equal(2, _rig.Write((int)again, "ok"u8.ToArray()));
        Assert.Equal("hello\nok", Encoding.ASCII.GetString(output.ToArray()));
    }

    [Fact]
    public void Console_ioctls_reach_a_host_terminal_with_the_host_s_own_values()
    {
        // Host descriptor 2 is a terminal when the tests run in one, and a pipe or file under CI.
        bool tty = HostLibc.IsTerminal(2);
        int fd = _rig.Ctx.Files.Install(new ConsoleFile(null, Stream.Null, 2, OWrOnly, "/dev/stderr"), false);
        long r = _rig.Call(FsAbi.Ioctl, (ulong)fd, Tiocgwinsz, Struct);
        Assert.Equal(tty ? 0 : Err(Errno.ENOTTY), r); // a terminal answers; anything else is ENOTTY, as isatty() expects
        if (tty)
        {
            var host = new byte[TerminalLayout.WinsizeSize];
            Assert.Equal(Errno.Ok, HostLibc.Ioctl(2, Tiocgwinsz, host));
            Assert.Equal(host, _rig.Ctx.Get(Struct, TerminalLayout.WinsizeSize)); // the host's own rows and columns
        }
        Assert.Equal(0, _rig.Fstat(fd, out var st));
        Assert.Equal(Errno.Ok, HostLibc.Fstat(2, out var hostSt));
        Assert.Equal(hostSt.Ino, st.Ino); // fstat shows the host's file behind the stream
    }

    private sealed class KernelDevice() : CharacterDevice(240, 0, 0x1b6)
    {
        public int Opens { get; private set; }

        public override Errno Open(IFileSyscallContext ctx, int flags, string path, out FileDescription? file)
        {
            Opens++;
            file = new KernelDeviceFile(this, flags, path);
            return Errno.Ok;
        }
    }

    private sealed class KernelDeviceFile(CharacterDevice device, int flags, string path) : DeviceFile(device, flags, path);

    [Fact]
    public void A_registered_device_opens_to_the_kernel_s_description_and_its_ioctls_go_back_to_the_kernel()
    {
        var device = new KernelDevice();
        _rig.Fs.RegisterDevice("/dev/sva0", device);
        long fd = _rig.Open("/dev/sva0", ORdWr);
        Assert.True(fd >= 0);
        Assert.Equal(1, device.Opens);
        Assert.IsType<KernelDeviceFile>(_rig.Ctx.Files.Peek((int)fd));
        Assert.False(_rig.Calls.TryIoctl((ulong)fd, 0xC0405302, Data, _rig.Ctx, out _)); // SVA_SUBMIT: the kernel's
        Assert.False(_rig.Calls.TryHandle(FsAbi.Ioctl, (ulong)fd, 0x5301, 0, 0, 0, 0, _rig.Ctx, out _));
        Assert.True(_rig.Calls.TryIoctl((ulong)fd, Fioclex, 0, _rig.Ctx, out long r)); // descriptor-level: ours
        Assert.Equal(0, r);
        Assert.Equal(0, _rig.Stat("/dev/sva0", out var st));
        Assert.Equal(FileStat.EncodeDev(240, 0), st.Rdev);
        Assert.Contains(_rig.List((int)_rig.Open("/dev", ORdOnly)), e => e.Name == "sva0" && e.Type == DtChr);
        Assert.Throws<ArgumentException>(() => _rig.Fs.RegisterDevice("/tmp/sva1", device));
    }

    [Fact]
    public void Memfd_is_an_in_memory_file_with_seals()
    {
        long fd = _rig.Call(MemfdCreate, _rig.Ctx.PutString(PathA, "buf"), MfdAllowSealing | MfdCloexec);
        Assert.True(fd >= 0);
        Assert.Equal(FdCloexec, _rig.Call(Fcntl, (ulong)fd, FGetfd));
        Assert.Equal(0, _rig.Call(Ftruncate, (ulong)fd, 1 << 20));
        Assert.Equal(4, _rig.Write((int)fd, "data"u8.ToArray()));
        Assert.Equal(0, _rig.Fstat((int)fd, out var st));
        Assert.Equal(1 << 20, st.Size);
        Assert.Equal(SIfreg | 0x1ffu, st.Mode); // memfd files are 0777, no umask
        Assert.Equal(8, st.Blocks); // one page was written; the rest is a hole
        Assert.Equal(2, _rig.Call(Pread64, (ulong)fd, Data + 0x100, 2, 1));
        Assert.Equal("at", _rig.Ctx.GetString(Data + 0x100, 2));
        Assert.Equal(0, _rig.Call(Fcntl, (ulong)fd, FAddSeals, FSealWrite | FSealShrink));
        Assert.Equal(FSealWrite | FSealShrink, _rig.Call(Fcntl, (ulong)fd, FGetSeals));
        Assert.Equal(Err(Errno.EPERM), _rig.Write((int)fd, [1]));
        Assert.Equal(Err(Errno.EPERM), _rig.Call(Ftruncate, (ulong)fd, 0));
        Assert.Equal(0, _rig.Call(Ftruncate, (ulong)fd, 2 << 20)); // growing is still allowed
        long n = _rig.Call(Readlink, _rig.Ctx.PutString(PathA, $"/proc/self/fd/{fd}"), Data, 100);
        Assert.Equal("/memfd:buf (deleted)", _rig.Ctx.GetString(Data, (int)n));
        long unsealable = _rig.Call(MemfdCreate, _rig.Ctx.PutString(PathA, "plain"), 0);
        Assert.Equal(FSealSeal, _rig.Call(Fcntl, (ulong)unsealable, FGetSeals));
        Assert.Equal(Err(Errno.EPERM), _rig.Call(Fcntl, (ulong)unsealable, FAddSeals, FSealWrite));
        Assert.Equal(Err(Errno.EINVAL), _rig.Call(MemfdCreate, _rig.Ctx.PutString(PathA, new string('n', 250)), 0));
        Assert.Equal(Err(Errno.EINVAL), _rig.Call(MemfdCreate, PathA, 0x100));
        Assert.Equal(Err(Errno.EINVAL), _rig.Call(Fcntl, (ulong)_rig.Open("/dev/null", ORdOnly), FGetSeals));
    }

    [Fact]
    public void Memfd_memory_is_charged_to_the_budget_and_refused_past_it()
    {
        using var rig = new FsRig(new FsOptions { MemoryFileLimit = 64 * 1024 });
        long fd = rig.Call(MemfdCreate, rig.Ctx.PutString(PathA, "m"), 0);
        var big = new byte[100 * 1024];
        rig.Ctx.Put(Data, big);
        Assert.Equal(64 * 1024, rig.Call(FsAbi.Write, (ulong)fd, Data, (ulong)big.Length)); // short at the limit
        Assert.Equal(Err(Errno.ENOSPC), rig.Call(FsAbi.Write, (ulong)fd, Data, 10));
        Assert.Equal(0, rig.Call(Close, (ulong)fd));
        long fd2 = rig.Call(MemfdCreate, rig.Ctx.PutString(PathA, "n"), 0);
        Assert.Equal(4096, rig.Call(FsAbi.Write, (ulong)fd2, Data, 4096)); // the closed memfd gave its pages back
    }

    [Fact]
    public void Sendfile_and_copy_file_range_copy_between_files()
    {
        var content = new byte[200_000];
        new Random(11).NextBytes(content);
        File.WriteAllBytes(_rig.HostPath("src"), content);
        int src = (int)_rig.Open("src", ORdOnly);
        int dst = (int)_rig.Open("dst", OCreat | OWrOnly);
        ulong off = _rig.Ctx.Put(Struct, BitConverter.GetBytes(1000L));
        Assert.Equal(150_000, _rig.Call(Sendfile, (ulong)dst, (ulong)src, off, 150_000));
        Assert.Equal(151_000, _rig.Ctx.GetLong(Struct)); // *offset moved, the file offset did not
        Assert.Equal(0, _rig.Call(Lseek, (ulong)src, 0, SeekCur));
        Assert.Equal(content.AsSpan(1000, 150_000).ToArray(), File.ReadAllBytes(_rig.HostPath("dst")));
        int dst2 = (int)_rig.Open("dst2", OCreat | OWrOnly);
        Assert.Equal(200_000, _rig.Call(CopyFileRange, (ulong)src, 0, (ulong)dst2, 0, 1 << 30, 0));
        Assert.Equal(200_000, _rig.Call(Lseek, (ulong)src, 0, SeekCur)); // NULL offsets: the file positions moved
        Assert.Equal(content, File.ReadAllBytes(_rig.HostPath("dst2")));
        Assert.Equal(Err(Errno.EINVAL), _rig.Call(CopyFileRange, (ulong)src, 0, (ulong)dst2, 0, 10, 1)); // flags
        Assert.Equal(0, _rig.Call(Pipe2, Struct, 0));
        int pr = _rig.Ctx.GetInt(Struct), pw = _rig.Ctx.GetInt(Struct + 4);
        _rig.Call(Lseek, (ulong)src, 0, SeekSet);
        Assert.Equal(1000, _rig.Call(Sendfile, (ulong)pw, (ulong)src, 0, 1000)); // into a pipe
        Assert.Equal(Err(Errno.EINVAL), _rig.Call(Sendfile, (ulong)dst, (ulong)pr, 0, 10)); // from a pipe: not seekable
        Assert.Equal(Err(Errno.EINVAL), _rig.Call(CopyFileRange, (ulong)pr, 0, (ulong)dst2, 0, 10, 0));
    }

    [Fact]
    public void A_sendfile_into_a_full_pipe_blocks_with_the_source_rewound()
    {
        File.WriteAllBytes(_rig.HostPath("src"), new byte[100_000]);
        int src = (int)_rig.Open("src", ORdOnly);
        Assert.Equal(0, _rig.Call(Pipe2, Struct, 0));
        int pw = _rig.Ctx.GetInt(Struct + 4);
        Assert.Equal(65536, _rig.Call(Sendfile, (ulong)pw, (ulong)src, 0, 100_000)); // fills the pipe, returns what moved
        Assert.Equal(65536, _rig.Call(Lseek, (ulong)src, 0, SeekCur));
        Assert.Equal(TestFsContext.Blocked, _rig.Call(Sendfile, (ulong)pw, (ulong)src, 0, 100_000)); // nothing fits: blocks
        Assert.Equal(65536, _rig.Call(Lseek, (ulong)src, 0, SeekCur)); // nothing consumed
    }

    [Fact]
    public void Fionread_on_a_file_and_fionbio()
    {
        File.WriteAllBytes(_rig.HostPath("f"), new byte[300]);
        int fd = (int)_rig.Open("f", ORdOnly);
        _rig.Read(fd, 100, out _);
        Assert.Equal(0, _rig.Call(FsAbi.Ioctl, (ulong)fd, Fionread, Struct));
        Assert.Equal(200, _rig.Ctx.GetInt(Struct)); // bytes left before the end
        _rig.Ctx.Put(Struct, BitConverter.GetBytes(1));
        Assert.Equal(0, _rig.Call(FsAbi.Ioctl, (ulong)fd, Fionbio, Struct));
        Assert.Equal(ONonblock, _rig.Call(Fcntl, (ulong)fd, FGetfl) & ONonblock);
        Assert.Equal(Err(Errno.ENOTTY), _rig.Call(FsAbi.Ioctl, (ulong)fd, Tcgets, Struct));
        Assert.Equal(Err(Errno.EBADF), _rig.Call(FsAbi.Ioctl, 88, Tcgets, Struct));
        Assert.False(_rig.Calls.TryHandle(9999, 0, 0, 0, 0, 0, 0, _rig.Ctx, out _)); // not a file call
    }
}

using System.Runtime.Versioning;
using System.Buffers.Binary;
using System.Text;
using Emulator.Core;
using Emulator.Core.Kernel.Fs;
using Emulator.Core.Memory;
using Emulator.Core.Mm;
using Emulator.Tests.Support;

namespace Emulator.Tests.Kernel.Fs;

/// <summary>
/// The kernel's side of <see cref="IFileSyscallContext"/> for tests: a real address space (user copies
/// go through the MMU, so wild pointers really fault), a descriptor table, a virtual clock the test
/// moves, and a Block that records what the call would sleep on and returns <see cref="Blocked"/>.
/// </summary>
internal sealed class TestFsContext : IFileSyscallContext, IWaitQueueWaiter
{
    /// <summary>The sentinel Block returns (below the errno range, as the contract requires).</summary>
    public const long Blocked = -1_000_000;

    /// <summary>Start of a 64-page read-write scratch region.</summary>
    public const ulong Scratch = 0x1000_0000;
    public const int ScratchPages = 64;

    private long _deadlineSlot = FileSyscalls.Unset;
    private long _progressSlot;

    public TestFsContext(AddressSpace mm, FsContext? fs = null, bool mapScratch = true)
    {
        Mm = mm;
        Fs = fs ?? new FsContext("/");
        if (mapScratch)
        {
            MmKitMap(mm);
        }
        Process = new TestProcessView(this);
    }

    private static void MmKitMap(AddressSpace mm) =>
        Assert.Equal(Errno.Ok, mm.Mmap(Scratch, ScratchPages * Page.Size, Protection.ReadWrite,
            MapFlags.Private | MapFlags.Anonymous | MapFlags.Fixed, out _));

    public AddressSpace Mm { get; }

    public FdTable Files { get; set; } = new();

    public FsContext Fs { get; }

    public int Pid { get; set; } = 100;

    public int Tid { get; set; } = 100;

    public uint Uid { get; set; } = GuestFileSystem.HostUid;

    public uint Gid { get; set; } = GuestFileSystem.HostGid;

    public long NowNanoseconds { get; set; } = 5_000_000_000;

    public long RealtimeNanoseconds => 1_700_000_000_000_000_000 + NowNanoseconds;

    public List<int> Signals { get; } = [];

    public bool SignalPending { get; set; }

    public ulong? CallSignalMask { get; private set; }

    public IProcessView Process { get; }

    /// <summary>What the last Block call recorded.</summary>
    public WaitToken[] BlockedOn { get; private set; } = [];

    public long BlockedUntil { get; private set; }

    public int Blocks { get; private set; }

    public int Wakes { get; private set; }

    public ref long CallDeadline => ref _deadlineSlot;

    public ref long CallProgress => ref _progressSlot;

    public Errno ReadUser(ulong va, Span<byte> destination) => Mm.ReadUser(va, destination, out _);

    public Errno WriteUser(ulong va, ReadOnlySpan<byte> source) => Mm.WriteUser(va, source, out _);

    public void RaiseSignal(int signal) => Signals.Add(signal);

    public void SetCallSignalMask(ulong mask) => CallSignalMask = mask;

    public long Block(ReadOnlySpan<WaitToken> tokens, long deadlineNanoseconds)
    {
        BlockedOn = tokens.ToArray();
        BlockedUntil = deadlineNanoseconds;
        Blocks++;
        return Blocked;
    }

    /// <summary>Arms on every recorded token, as the kernel would; false when a wake already happened.</summary>
    public bool Park()
    {
        foreach (var t in BlockedOn)
        {
            if (!t.Queue.Arm(this, t.Generation))
            {
                foreach (var u in BlockedOn)
                {
                    u.Queue.Disarm(this);
                }
                return false;
            }
        }
        return true;
    }

    public void Woken(WaitQueue queue) => Wakes++;

    public FdTable UnshareFiles()
    {
        Files = Files.Clone();
        return Files;
    }

    /// <summary>A new system call: the per-call slots start fresh.</summary>
    public void BeginCall()
    {
        _deadlineSlot = FileSyscalls.Unset;
        _progressSlot = 0;
        CallSignalMask = null;
    }

    // User memory helpers over the scratch region.
    public ulong Put(ulong va, ReadOnlySpan<byte> bytes)
    {
        Assert.Equal(Errno.Ok, Mm.WriteUser(va, bytes, out _));
        return va;
    }

    public ulong PutString(ulong va, string s) => Put(va, Encoding.Latin1.GetBytes(s + "\0"));

    public byte[] Get(ulong va, int length)
    {
        var b = new byte[length];
        Assert.Equal(Errno.Ok, Mm.ReadUser(va, b, out _));
        return b;
    }

    public int GetInt(ulong va) => BinaryPrimitives.ReadInt32LittleEndian(Get(va, 4));

    public long GetLong(ulong va) => BinaryPrimitives.ReadInt64LittleEndian(Get(va, 8));

    public string GetString(ulong va, int length) => Encoding.Latin1.GetString(Get(va, length));

    /// <summary>The bytes the process shows in /proc/self/cmdline and environ.</summary>
    public byte[] CmdlineBytes { get; set; } = Encoding.ASCII.GetBytes("prog\0arg1\0");

    public byte[] EnvironBytes { get; set; } = Encoding.ASCII.GetBytes("HOME=/root\0PATH=/bin\0");

    public string ExePath { get; set; } = "/bin/prog";

    private sealed class TestProcessView(TestFsContext ctx) : IProcessView
    {
        public int Pid => ctx.Pid;

        public int ParentPid => 1;

        public string ExePath => ctx.ExePath;

        public string Comm => "prog";

        public string Maps() => "00400000-00401000 r-xp 00000000 00:00 0                                  /bin/prog\n";

        public ReadOnlySpan<byte> Cmdline => ctx.CmdlineBytes;

        public ReadOnlySpan<byte> Environ => ctx.EnvironBytes;

        public int Threads => 1;

        public ulong VirtualBytes => 8 << 20;

        public ulong ResidentBytes => 1 << 20;

        public FdTable Files => ctx.Files;
    }
}

/// <summary>A guest file system over a fresh temporary directory, the syscall layer, and a caller.</summary>
[SupportedOSPlatform("linux")]
internal sealed class FsRig : IDisposable
{
    public FsRig(FsOptions? options = null, bool rootIsTemp = false)
    {
        Dir = Directory.CreateTempSubdirectory("guest-fs-").FullName;
        var opts = options ?? new FsOptions();
        if (rootIsTemp)
        {
            opts = opts with { Root = Dir };
        }
        Fs = new GuestFileSystem(opts);
        Calls = new FileSyscalls(Fs);
        (Machine, var mm) = TestMachines.NewProcess();
        Ctx = new TestFsContext(mm, new FsContext(rootIsTemp ? "/" : Dir));
    }

    /// <summary>The host temporary directory (deleted on dispose).</summary>
    public string Dir { get; }

    public Machine Machine { get; }

    public GuestFileSystem Fs { get; }

    public FileSyscalls Calls { get; }

    public TestFsContext Ctx { get; }

    // Scratch layout: paths at +0 and +0x1000, structs at +0x2000, data buffers from +0x4000.
    public const ulong PathA = TestFsContext.Scratch;
    public const ulong PathB = TestFsContext.Scratch + 0x1000;
    public const ulong Struct = TestFsContext.Scratch + 0x2000;
    public const ulong Data = TestFsContext.Scratch + 0x4000;

    /// <summary>An address no mapping covers.</summary>
    public const ulong Wild = 0x6666_0000_0000;

    /// <summary>Runs one system call as a fresh call.</summary>
    public long Call(ulong nr, ulong a0 = 0, ulong a1 = 0, ulong a2 = 0, ulong a3 = 0, ulong a4 = 0, ulong a5 = 0)
    {
        Ctx.BeginCall();
        return Again(nr, a0, a1, a2, a3, a4, a5);
    }

    /// <summary>Re-executes the call (after a block), keeping the per-call slots.</summary>
    public long Again(ulong nr, ulong a0 = 0, ulong a1 = 0, ulong a2 = 0, ulong a3 = 0, ulong a4 = 0, ulong a5 = 0)
    {
        Assert.True(Calls.TryHandle(nr, a0, a1, a2, a3, a4, a5, Ctx, out long r), $"syscall {nr} not handled");
        return r;
    }

    public static long Err(Errno e) => -(long)(int)e;

    /// <summary>open(path, flags, mode) with the path placed at <see cref="PathA"/>.</summary>
    public long Open(string path, int flags, uint mode = 0x1a4) =>
        Call(FsAbi.Open, Ctx.PutString(PathA, path), (ulong)flags, mode);

    public long Write(int fd, byte[] data)
    {
        Ctx.Put(Data, data);
        return Call(FsAbi.Write, (ulong)fd, Data, (ulong)data.Length);
    }

    public long Read(int fd, int count, out byte[] data)
    {
        long n = Call(FsAbi.Read, (ulong)fd, Data, (ulong)count);
        data = n > 0 ? Ctx.Get(Data, (int)n) : [];
        return n;
    }

    /// <summary>newfstatat(AT_FDCWD, path, flags) decoded.</summary>
    public long Stat(string path, out GuestStat st, int flags = 0)
    {
        long r = Call(FsAbi.Newfstatat, unchecked((ulong)FsAbi.AtFdcwd), Ctx.PutString(PathA, path), Struct, (ulong)flags);
        st = r == 0 ? GuestStat.Read(Ctx.Get(Struct, StatLayout.StatSize)) : default;
        return r;
    }

    public long Fstat(int fd, out GuestStat st)
    {
        long r = Call(FsAbi.Fstat, (ulong)fd, Struct);
        st = r == 0 ? GuestStat.Read(Ctx.Get(Struct, StatLayout.StatSize)) : default;
        return r;
    }

    /// <summary>All names of a directory via getdents64 with a buffer of <paramref name="bufferSize"/>.</summary>
    public List<(string Name, ulong Ino, byte Type, long Off)> List(int fd, int bufferSize = 4096)
    {
        var names = new List<(string, ulong, byte, long)>();
        while (true)
        {
            long n = Call(FsAbi.Getdents64, (ulong)fd, Data, (ulong)bufferSize);
            Assert.True(n >= 0, $"getdents64: {n}");
            if (n == 0)
            {
                return names;
            }
            var b = Ctx.Get(Data, (int)n);
            for (int at = 0; at < n;)
            {
                int reclen = BinaryPrimitives.ReadUInt16LittleEndian(b.AsSpan(at + 16));
                int nul = Array.IndexOf(b, (byte)0, at + 19);
                names.Add((Encoding.Latin1.GetString(b, at + 19, nul - at - 19), BinaryPrimitives.ReadUInt64LittleEndian(b.AsSpan(at)),
                    b[at + 18], BinaryPrimitives.ReadInt64LittleEndian(b.AsSpan(at + 8))));
                at += reclen;
            }
        }
    }

    public string HostPath(string name) => Path.Combine(Dir, name);

    /// <summary>Deletes the temporary directory. Directory.Delete removes symlinks without following
    /// them, which matters here: tests plant links to "/" and "../../..", and any walk that followed them
    /// would act on the host's own tree.</summary>
    public void Dispose()
    {
        try
        {
            Directory.Delete(Dir, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    /// <summary>Every path under <paramref name="dir"/>, never entering a symlink (tests plant links to "/").</summary>
    public static IEnumerable<string> WalkWithoutFollowing(string dir)
    {
        foreach (var entry in new DirectoryInfo(dir).EnumerateFileSystemInfos())
        {
            yield return entry.FullName;
            if (entry.LinkTarget is null && entry is DirectoryInfo)
            {
                foreach (var inner in WalkWithoutFollowing(entry.FullName))
                {
                    yield return inner;
                }
            }
        }
    }
}

/// <summary>A struct stat as the guest reads it.</summary>
internal readonly record struct GuestStat(ulong Dev, ulong Ino, ulong Nlink, uint Mode, uint Uid, uint Gid, ulong Rdev, long Size,
    long Blksize, long Blocks, Timespec Atime, Timespec Mtime, Timespec Ctime)
{
    public static GuestStat Read(byte[] b) => new(
        BinaryPrimitives.ReadUInt64LittleEndian(b.AsSpan(0)), BinaryPrimitives.ReadUInt64LittleEndian(b.AsSpan(8)),
        BinaryPrimitives.ReadUInt64LittleEndian(b.AsSpan(16)), BinaryPrimitives.ReadUInt32LittleEndian(b.AsSpan(24)),
        BinaryPrimitives.ReadUInt32LittleEndian(b.AsSpan(28)), BinaryPrimitives.ReadUInt32LittleEndian(b.AsSpan(32)),
        BinaryPrimitives.ReadUInt64LittleEndian(b.AsSpan(40)), BinaryPrimitives.ReadInt64LittleEndian(b.AsSpan(48)),
        BinaryPrimitives.ReadInt64LittleEndian(b.AsSpan(56)), BinaryPrimitives.ReadInt64LittleEndian(b.AsSpan(64)),
        Timespec.Read(b.AsSpan(72)), Timespec.Read(b.AsSpan(88)), Timespec.Read(b.AsSpan(104)));

    public uint Type => Mode & FsAbi.SIfmt;
}

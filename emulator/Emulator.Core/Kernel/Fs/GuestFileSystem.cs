using System.Text;

namespace Emulator.Core.Kernel.Fs;

/// <summary>
/// The guest's name space: the host's file system seen from <see cref="FsOptions.Root"/> as the invoking
/// user (optionally behind an in-memory overlay), with /proc, /dev and /sys made up by the emulator.
/// Paths are resolved here, component by component, so the guest never leaves the root.
/// </summary>
/// <remarks>
/// <para><b>Confinement.</b> Every path is walked from the guest's root or working directory with one
/// lstat per component; a symlink is read and its target spliced into the walk (an absolute target
/// starts again at the guest's root), <c>..</c> stops at the root, and the host is only ever handed a
/// path whose components the walk verified as real directories, with the last one opened
/// O_NOFOLLOW. The guest cannot change the tree between a walk and its use: every namespace operation
/// holds <see cref="_ns"/>. (Another host process swapping a verified directory for a symlink in that
/// window is outside the model.)</para>
/// <para><b>Overlay.</b> With <see cref="FsOptions.Overlay"/>, host nodes are made read-only
/// (<see cref="HostNode.Writable"/> false) and every change lands in <see cref="Memory"/> through
/// <see cref="OverlayDir"/>; the layer dies with this object.</para>
/// <para><b>Paths</b> are byte strings: one char per byte (Latin-1), so every Linux name round-trips.
/// Use <see cref="HostLibc.FromHostString"/> for a .NET path.</para>
/// <para>Thread-safe: namespace operations serialise on <see cref="_ns"/>; I/O on open descriptions does not.</para>
/// </remarks>
public sealed partial class GuestFileSystem
{
    /// <summary>Guards the whole name space: resolution and every change of a directory (overlay upper
    /// directories, the device registry).</summary>
    private readonly Lock _ns = new();
    private readonly MountRoot _root;
    private readonly SyntheticDir _dev;
    private long _nextPipeIno = 0x1000;

    /// <summary>A guest file system over the host.</summary>
    /// <exception cref="ArgumentException">The root is not an existing host directory.</exception>
    /// <exception cref="PlatformNotSupportedException">The host is not Linux.</exception>
    public GuestFileSystem(FsOptions? options = null)
    {
        Options = options ?? new FsOptions();
        if (!HostLibc.Available)
        {
            throw new PlatformNotSupportedException("the guest file system needs a Linux host");
        }
        HostRoot = CanonicalHostRoot(Options.Root);
        if (HostLibc.Stat(HostRoot, follow: true, out var rootStat) != Errno.Ok || !rootStat.IsDirectory)
        {
            throw new ArgumentException($"root {Options.Root} is not a directory", nameof(options));
        }
        HostUmask = ReadHostUmask();
        Memory = new MemoryFs(30, Options.MemoryFileLimit);
        Random = new GuestRandom(Options.RandomSeed);
        var hostRoot = new HostNode(this, HostRoot, rootStat, writable: !Options.Overlay);
        FsNode inner = hostRoot;
        if (Options.Overlay)
        {
            // The root's upper directory is made at the first change, like any other copy-up, so until
            // then its attributes are the host directory's as they are now.
            inner = new OverlayDir(this, null, "", null, hostRoot);
        }
        _root = new MountRoot(this, inner);
        _root.Mount("proc", BuildProc());
        _dev = BuildDev();
        _root.Mount("dev", _dev);
        _root.Mount("sys", BuildSys());
    }

    public FsOptions Options { get; }

    /// <summary>The host directory that is the guest's root (absolute, as a byte string).</summary>
    public string HostRoot { get; }

    /// <summary>The emulator process's umask, which the host applies on top of the guest's: new host
    /// files get the guest's mode back with fchmod when it would have removed bits.</summary>
    public uint HostUmask { get; }

    /// <summary>The host's real uid (run guests with it, as qemu-user does, so in-memory files and host
    /// files agree on ownership).</summary>
    public static uint HostUid => HostLibc.GetUid();

    /// <summary>The host's real gid.</summary>
    public static uint HostGid => HostLibc.GetGid();

    internal MemoryFs Memory { get; }

    internal GuestRandom Random { get; }

    /// <summary>The identity of host nodes (a rename between host and anything else is EXDEV).</summary>
    internal object HostIdentity { get; } = new();

    /// <summary>The host files mapped MAP_SHARED (their pages and write-back).</summary>
    internal HostSharedFiles SharedHostFiles { get; } = new();

    /// <summary>
    /// Makes <paramref name="device"/> appear at <paramref name="path"/> (<c>/dev/NAME</c>): opening it
    /// calls <see cref="CharacterDevice.Open"/>, whose description (a <see cref="DeviceFile"/>) the kernel
    /// recognises for its ioctls. Replaces a device registered at the same path.
    /// </summary>
    /// <exception cref="ArgumentException">The path is not directly under /dev.</exception>
    public void RegisterDevice(string path, CharacterDevice device)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(device);
        if (!path.StartsWith("/dev/", StringComparison.Ordinal) || path.Length == 5 || path.IndexOf('/', 5) >= 0)
        {
            throw new ArgumentException($"{path}: devices live directly under /dev", nameof(path));
        }
        using (_ns.EnterScope())
        {
            _dev.Add(path[5..], new DeviceNode(DevFs, path, device));
        }
    }

    /// <summary>The working directory a new guest starts in: the host's working directory when it lies
    /// under the root (as the guest path it has there), else "/".</summary>
    public string InitialWorkingDirectory()
    {
        string cwd = HostLibc.FromHostString(Environment.CurrentDirectory);
        if (HostRoot == "/")
        {
            return cwd;
        }
        if (cwd == HostRoot)
        {
            return "/";
        }
        return cwd.StartsWith(HostRoot + "/", StringComparison.Ordinal) ? cwd[HostRoot.Length..] : "/";
    }

    /// <summary>A stable inode number for a made-up file: FNV-1a of its path.</summary>
    public static ulong InodeOf(string path)
    {
        ulong h = 0xcbf2_9ce4_8422_2325UL;
        foreach (char c in path)
        {
            h = (h ^ c) * 0x0000_0100_0000_01b3UL;
        }
        return (h >> 1) | 1;
    }

    internal ulong NextPipeIno() => (ulong)Interlocked.Increment(ref _nextPipeIno);

    /// <summary>Lists a directory under the namespace lock (for <see cref="DirectoryFile"/>).</summary>
    internal Errno ListEntries(IFileSyscallContext ctx, FsNode dir, List<DirEntry> entries)
    {
        using (_ns.EnterScope())
        {
            return dir.ListEntries(ctx, entries);
        }
    }

    private static string CanonicalHostRoot(string root)
    {
        ArgumentException.ThrowIfNullOrEmpty(root);
        string full = Path.GetFullPath(root);
        var info = new DirectoryInfo(full);
        if (info.LinkTarget is not null)
        {
            full = info.ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? full;
        }
        full = full.Length > 1 ? full.TrimEnd('/') : full;
        return HostLibc.FromHostString(full);
    }

    /// <summary>The host process's umask, from /proc/self/status (Linux ≥ 4.7); 022 if unreadable.</summary>
    private static uint ReadHostUmask()
    {
        try
        {
            foreach (string line in File.ReadLines("/proc/self/status"))
            {
                if (line.StartsWith("Umask:", StringComparison.Ordinal))
                {
                    return Convert.ToUInt32(line[6..].Trim(), 8);
                }
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
        return 0x12;
    }

    /// <summary>A byte string as bytes (for /proc contents).</summary>
    internal static byte[] Latin1(string s) => Encoding.Latin1.GetBytes(s);
}

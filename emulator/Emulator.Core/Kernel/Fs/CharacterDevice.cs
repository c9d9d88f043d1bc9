namespace Emulator.Core.Kernel.Fs;

/// <summary>
/// A character device node in the guest's /dev: the built-in ones (null, zero, full, random, urandom)
/// and the kernel's own (<c>/dev/svaN</c>), registered with <see cref="GuestFileSystem.RegisterDevice"/>.
/// Opening the node calls <see cref="Open"/>, which returns the description the kernel recognises
/// (typically a <see cref="DeviceFile"/> subclass).
/// </summary>
public abstract class CharacterDevice
{
    /// <param name="major">The device's major number (st_rdev).</param>
    /// <param name="minor">The device's minor number.</param>
    /// <param name="permissions">The node's permission bits (e.g. 0666).</param>
    protected CharacterDevice(uint major, uint minor, uint permissions)
    {
        Major = major;
        Minor = minor;
        Permissions = permissions & 0xfff;
    }

    public uint Major { get; }

    public uint Minor { get; }

    public uint Permissions { get; }

    /// <summary>Opens the device for the caller (the node's permission bits were already checked).</summary>
    /// <param name="ctx">The calling thread.</param>
    /// <param name="flags">The open flags (access mode, O_NONBLOCK…).</param>
    /// <param name="path">The path opened (what /proc/self/fd shows).</param>
    /// <param name="file">The new description, holding one reference.</param>
    /// <returns>Ok, or the errno open returns (ENXIO, EBUSY…).</returns>
    public abstract Errno Open(IFileSyscallContext ctx, int flags, string path, out FileDescription? file);

    /// <summary>What stat reports for the node and for its open descriptions: a character device owned by
    /// root with <see cref="Permissions"/> and (<see cref="Major"/>, <see cref="Minor"/>) as st_rdev.</summary>
    public FileStat NodeStat(ulong ino) => new()
    {
        DevMajor = 0,
        DevMinor = DevFsMinor,
        Ino = ino,
        Mode = FsAbi.SIfchr | Permissions,
        Nlink = 1,
        RdevMajor = Major,
        RdevMinor = Minor,
        BlockSize = 4096,
        Mask = FsAbi.StatxBasicStats,
    };

    /// <summary>st_dev minor of /dev (devtmpfs is an anonymous device, major 0).</summary>
    public const uint DevFsMinor = 5;
}

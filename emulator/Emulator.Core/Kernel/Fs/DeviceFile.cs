namespace Emulator.Core.Kernel.Fs;

/// <summary>
/// An open description of a kernel-owned character device (<c>/dev/svaN</c>). The kernel subclasses it;
/// <see cref="FileSyscalls"/> handles the descriptor-level operations (close, dup, fcntl, fstat, FIOCLEX…)
/// and leaves every other ioctl to the kernel: <see cref="FileSyscalls.TryIoctl"/> returns false for it.
/// </summary>
public abstract class DeviceFile : FileDescription
{
    /// <param name="device">The device node opened.</param>
    /// <param name="flags">The open flags.</param>
    /// <param name="path">The path opened.</param>
    protected DeviceFile(CharacterDevice device, int flags, string path) : base(flags | FsAbi.OLargefile, path)
    {
        ArgumentNullException.ThrowIfNull(device);
        Device = device;
    }

    public CharacterDevice Device { get; }

    public override Errno Stat(out FileStat stat)
    {
        stat = Device.NodeStat(GuestFileSystem.InodeOf(Path));
        return Errno.Ok;
    }
}

using Emulator.Core.Kernel.Fs;

namespace Emulator.Core.Kernel.Devices;

/// <summary>The <c>/dev/svaN</c> node in the guest's file system: opening it gives a
/// <see cref="SvaFileDescription"/> over a fresh <see cref="SvaDeviceFile"/>.</summary>
/// <remarks>Major 240 is in Linux's "local/experimental use" range (Documentation/admin-guide/devices.txt),
/// minor N; mode 0666, as a user-space SVA device (e.g. /dev/dsa/wq0.0 via udev) is usually made.</remarks>
internal sealed class SvaCharacterDevice(SvaCharDevice device) : CharacterDevice(240, (uint)device.Index, 0x1b6)
{
    public SvaCharDevice Sva { get; } = device;

    public override Errno Open(IFileSyscallContext ctx, int flags, string path, out FileDescription? file)
    {
        if ((flags & FsAbi.ODirectory) != 0)
        {
            file = null;
            return Errno.ENOTDIR;
        }
        file = new SvaFileDescription(this, Sva.Open(), flags, path);
        return Errno.Ok;
    }
}

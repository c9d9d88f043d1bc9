using Emulator.Core.Kernel.Fs;

namespace Emulator.Core.Kernel.Devices;

/// <summary>An open <c>/dev/svaN</c>: the file layer's description around the device file its ioctls
/// reach. The last close (over dup, fork and exec) releases the device file, which unbinds every
/// process bound through it.</summary>
internal sealed class SvaFileDescription(SvaCharacterDevice node, SvaDeviceFile device, int flags, string path)
    : DeviceFile(node, flags, path)
{
    public SvaDeviceFile File { get; } = device;

    /// <summary>Dedicated portals made by mmap through this file, one per address space.</summary>
    internal Dictionary<Mm.AddressSpace, SvaPortal> Portals { get; } = [];

    protected override void OnLastClose()
    {
        File.Release();
        foreach (var portal in Portals.Values)
        {
            portal.Release();
        }
        Portals.Clear();
    }
}

using Emulator.Core.Diagnostics;
using Emulator.Core.Memory;
using Emulator.Core.Mm;

namespace Emulator.Core.Kernel.Devices;

/// <summary>
/// One submission portal page of an SVA device: a dedicated work queue's (MOVDIR64B; the PASID is the
/// one of the process that mapped it) or the shared work queue's (ENQCMD; the PASID comes in the
/// descriptor). Backed by a frame the portal holds in a <see cref="SharedMemoryObject"/>, so the mm maps
/// it with <see cref="AddressSpace.MmapShared"/>; the frame is registered as a portal, so only the two
/// submit instructions reach the device (docs/guest-abi.md § Portals).
/// </summary>
internal sealed class SvaPortal : IPortal
{
    private readonly SvaCharDevice _device;
    private readonly PhysicalMemory _memory;
    private readonly uint? _pasid;
    private bool _released;

    private SvaPortal(SvaCharDevice device, PhysicalMemory memory, SharedMemoryObject page, ulong pfn, uint? pasid)
    {
        _device = device;
        _memory = memory;
        Page = page;
        Pfn = pfn;
        _pasid = pasid;
    }

    /// <summary>The object holding the portal's frame (what mmap maps).</summary>
    public SharedMemoryObject Page { get; }

    public ulong Pfn { get; }

    /// <summary>A portal for <paramref name="device"/>: dedicated to <paramref name="pasid"/>, or shared (null).</summary>
    /// <returns>null when no frame is left.</returns>
    public static SvaPortal? Create(SvaCharDevice device, FrameAllocator frames, uint? pasid)
    {
        var page = SharedMemoryObject.CreateHeld(frames);
        if (page.PageMemory(0, allocate: true, out ulong pfn).IsEmpty)
        {
            page.Release();
            return null;
        }
        var portal = new SvaPortal(device, frames.Memory, page, pfn, pasid);
        frames.Memory.RegisterPortal(pfn, portal);
        return portal;
    }

    public bool Submit(ulong offset, ReadOnlySpan<byte> data, bool enqueue)
    {
        if (_released || offset != 0)
        {
            return false; // one 64-byte slot at the page's start: other offsets are dropped
        }
        var d = SvaPortalDescriptor.Read(data);
        uint pasid;
        if (_pasid is uint dedicated)
        {
            if (enqueue)
            {
                return false; // ENQCMD to a dedicated queue: not a shared portal, answered retry
            }
            pasid = dedicated;
        }
        else
        {
            if (!enqueue)
            {
                Log.GuestError.Debug("{0}: MOVDIR64B to the shared portal dropped (ENQCMD supplies the PASID there)", _device);
                return false;
            }
            pasid = d.Pasid & 0xF_FFFF;
        }
        return _device.Async.TrySubmit(pasid, d.Descriptor);
    }

    /// <summary>The portal goes away (its file's last close): the frame is an ordinary frame again.</summary>
    public void Release()
    {
        if (_released)
        {
            return;
        }
        _released = true;
        _memory.UnregisterPortal(Pfn);
        Page.Release();
    }
}

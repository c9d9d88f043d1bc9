using Emulator.Core.Kernel.Sys;
using Emulator.Core.Memory;
using Emulator.Core.Mm;

namespace Emulator.Core.Kernel;

public sealed partial class GuestKernel
{
    /// <summary>mmap(2). Anonymous mappings go to the mm (its flag and protection values are Linux's);
    /// a file mapping names a descriptor that is either not open (-EBADF) or a console or device node
    /// without an mmap operation (-ENODEV, as Linux answers for such a character device).</summary>
    private static long MapMemory(GuestProcess p, ulong addr, ulong length, ulong prot, ulong flags, ulong fd, ulong offset)
    {
        if ((flags & LinuxAbi.MapAnonymous) == 0)
        {
            return FileOf(p, fd) is null ? Return(Errno.EBADF) : Return(Errno.ENODEV);
        }
        if (!Page.IsAligned(offset))
        {
            return Return(Errno.EINVAL);
        }
        var err = p.Mm.Mmap(addr, length, (Protection)(uint)prot, (MapFlags)(uint)flags, out ulong mapped);
        return err == Errno.Ok ? (long)mapped : Return(err);
    }

    /// <summary>mremap(2): the mm's, whose flag values are Linux's.</summary>
    private static long RemapMemory(GuestProcess p, ulong oldAddr, ulong oldSize, ulong newSize, ulong flags, ulong newAddr)
    {
        if (flags > uint.MaxValue)
        {
            return Return(Errno.EINVAL);
        }
        var err = p.Mm.Mremap(oldAddr, oldSize, newSize, (MremapFlags)(uint)flags, newAddr, out ulong result);
        return err == Errno.Ok ? (long)result : Return(err);
    }
}

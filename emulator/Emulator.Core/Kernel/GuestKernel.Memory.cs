using Emulator.Core.Kernel.Sys;
using Emulator.Core.Memory;
using Emulator.Core.Mm;

namespace Emulator.Core.Kernel;

public sealed partial class GuestKernel
{
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

    /// <summary>madvise(2): the mm's. Advice Linux accepts but this model has no use for (hugepages,
    /// KSM, dump control, cold/pageout) succeeds; unknown advice is -EINVAL. MADV_SOFT_OFFLINE migrates
    /// the range's resident private pages to new frames (Linux moves each page's contents away from a
    /// frame being taken offline), the way a guest makes a migration happen on a one-node machine; the
    /// -EFAULT of a hole is Linux's -ENOMEM here.</summary>
    private static long Madvise(GuestProcess p, ulong addr, ulong length, ulong advice)
    {
        if (advice == MadvSoftOffline)
        {
            if (length == 0)
            {
                return Page.IsAligned(addr) ? 0 : Return(Errno.EINVAL);
            }
            var err = p.Mm.Migrate(addr, length, out _, out _);
            return Return(err == Errno.EFAULT ? Errno.ENOMEM : err);
        }
        return advice > int.MaxValue ? Return(Errno.EINVAL) : Return(p.Mm.Madvise(addr, length, (Advice)(int)advice));
    }

    /// <summary>MADV_SOFT_OFFLINE (include/uapi/asm-generic/mman-common.h).</summary>
    private const ulong MadvSoftOffline = 101;

    /// <summary>mincore(2): one byte per page of [addr, addr + length), 1 when the page is resident.
    /// -EINVAL for an unaligned start, -ENOMEM when part of the range is not mapped, -EFAULT for a bad vector.</summary>
    private long Mincore(GuestProcess p, ulong addr, ulong length, ulong vec)
    {
        if (!Page.IsAligned(addr))
        {
            return Return(Errno.EINVAL);
        }
        if (!Page.TryAlignUp(length, out ulong len) || addr > ulong.MaxValue - len)
        {
            return Return(Errno.ENOMEM);
        }
        ulong pages = len >> Page.Shift;
        for (ulong i = 0; i < pages; i++)
        {
            ulong va = addr + (i << Page.Shift);
            if (p.Mm.FindVma(va) is null)
            {
                return Return(Errno.ENOMEM);
            }
        }
        for (ulong done = 0; done < pages;)
        {
            int n = (int)Math.Min(pages - done, (ulong)_io.Length);
            for (int k = 0; k < n; k++)
            {
                _io[k] = p.Mm.LeafEntry(addr + ((done + (ulong)k) << Page.Shift)).Present ? (byte)1 : (byte)0;
            }
            if (CopyToUser(p.Mm, vec + done, _io.AsSpan(0, n)) != Errno.Ok)
            {
                return Return(Errno.EFAULT);
            }
            done += (ulong)n;
        }
        return 0;
    }

    /// <summary>msync(2): checks the arguments as Linux does, then writes the mapped host files back
    /// (memory objects — anonymous shared memory, memfds, tmpfs — have nothing to write). MS_ASYNC
    /// writes back too: the model has no flusher thread to leave it to.</summary>
    private long Msync(GuestProcess p, ulong addr, ulong length, ulong flags)
    {
        const ulong Async = 1, Invalidate = 2, Sync = 4;
        if (!Page.IsAligned(addr) || (flags & ~(Async | Invalidate | Sync)) != 0 || (flags & (Async | Sync)) == (Async | Sync))
        {
            return Return(Errno.EINVAL);
        }
        long valid = ValidRange(p, addr, length);
        if (valid != 0)
        {
            return valid;
        }
        Errno err = FileSystem.SharedHostFiles.WriteBackAll();
        return err == Errno.Ok ? 0 : Return(err);
    }

    /// <summary>0 when [addr, addr + length) is fully mapped, -ENOMEM otherwise (mlock, msync).</summary>
    private static long ValidRange(GuestProcess p, ulong addr, ulong length)
    {
        ulong start = addr & ~Page.Mask;
        if (!Page.TryAlignUp(addr + length, out ulong end) || end < start)
        {
            return Return(Errno.ENOMEM);
        }
        for (ulong va = start; va < end; va += Page.Size)
        {
            if (p.Mm.FindVma(va) is not { } vma)
            {
                return Return(Errno.ENOMEM);
            }
            va = Math.Max(va, vma.End - Page.Size);
        }
        return 0;
    }

    /// <summary>membarrier(2): MEMBARRIER_CMD_QUERY lists the commands; the others are no-ops on a
    /// machine that runs every vCPU on one host thread (every store is already visible to every vCPU).</summary>
    private static long Membarrier(ulong cmd, ulong flags)
    {
        const long Supported = 1 | 8 | 16; // GLOBAL, PRIVATE_EXPEDITED, REGISTER_PRIVATE_EXPEDITED
        if (flags != 0)
        {
            return Return(Errno.EINVAL);
        }
        return cmd switch
        {
            0 => Supported,
            1 or 8 or 16 => 0,
            _ => Return(Errno.EINVAL),
        };
    }

    /// <summary>mmap(2). Anonymous mappings go to the mm (its flag and protection values are Linux's);
    /// file mappings go to the file layer (<see cref="MapFile"/>).</summary>
    private long MapMemory(GuestProcess p, ulong addr, ulong length, ulong prot, ulong flags, ulong fd, ulong offset)
    {
        if (!Page.IsAligned(offset))
        {
            return Return(Errno.EINVAL);
        }
        if ((flags & LinuxAbi.MapAnonymous) == 0)
        {
            return MapFile(p, addr, length, prot, flags, fd, offset);
        }
        var err = p.Mm.Mmap(addr, length, (Protection)(uint)prot, (MapFlags)(uint)flags, out ulong mapped);
        return err == Errno.Ok ? (long)mapped : Return(err);
    }
}

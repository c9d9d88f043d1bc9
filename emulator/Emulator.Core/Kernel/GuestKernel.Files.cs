using System.Text;
using Emulator.Core.Diagnostics;
using Emulator.Core.Kernel.Devices;
using Emulator.Core.Kernel.Fs;
using Emulator.Core.Kernel.Sys;
using Emulator.Core.Memory;
using Emulator.Core.Mm;

namespace Emulator.Core.Kernel;

public sealed partial class GuestKernel
{
    /// <summary>
    /// The file layer (<see cref="FileSyscalls"/>): its calls run with the thread's
    /// <see cref="ThreadContext"/>. A call that must wait is parked on the file layer's wait queues
    /// and runs again from the start when one is woken, its deadline passes or a signal arrives; the
    /// -ERESTARTSYS / -ERESTARTNOHAND a re-run returns when a signal is pending become -EINTR or a
    /// restart at signal delivery. ioctls the file layer leaves alone go to the SVA device.
    /// </summary>
    private bool TryFileSyscall(Vcpu v, GuestThread t, ulong nr, ulong a0, ulong a1, ulong a2, ulong a3, ulong a4, ulong a5, out long result)
    {
        var ctx = ContextOf(t);
        if (nr == Nr.Ioctl)
        {
            if (!_files.TryIoctl(a0, a1, a2, ctx, out result))
            {
                result = DeviceIoctl(t.Process, a0, a1, a2);
            }
        }
        else if (!_files.TryHandle(nr, a0, a1, a2, a3, a4, a5, ctx, out result))
        {
            return false;
        }
        if (result == FileBlocked)
        {
            if (!ctx.Arm())
            {
                // A queue moved on while the call looked: run it again at once.
                v.Cpu.State.Rip = t.SyscallRip;
                v.Cpu.State.Rax = nr;
                result = Replaced;
                return true;
            }
            result = Block(v, ctx, ctx.Deadline, WakeMode.Restart, RestartKind.Reexecute);
            return true;
        }
        if (result == FsAbi.ERestartSys || result == FsAbi.ERestartNoHand)
        {
            t.Interrupted = result == FsAbi.ERestartSys ? InterruptState.RestartIfSaRestart : InterruptState.RestartIfNoHandler;
            t.KeepCallSlots = true;
            result = Return(Errno.EINTR);
        }
        return true;
    }

    /// <summary>ioctl on a kernel device: SVA_BIND/SVA_SUBMIT with the caller's mm. The device may have
    /// DMA-written anywhere in the process (a descriptor's destination, the completion record), code
    /// pages included: every decoded page is dropped.</summary>
    private long DeviceIoctl(GuestProcess p, ulong fd, ulong cmd, ulong arg)
    {
        var file = p.Files.Acquire((int)fd);
        if (file is null)
        {
            return Return(Errno.EBADF);
        }
        try
        {
            if (file is not SvaFileDescription sva)
            {
                return Return(Errno.ENOTTY);
            }
            long r = sva.File.Ioctl(p.Mm, (uint)cmd, arg);
            _code.InvalidateAll();
            if ((uint)cmd == SvaAbi.Bind && r > 0)
            {
                SetProcessPasid(p, (uint)r);
            }
            return r;
        }
        finally
        {
            file.Release();
        }
    }

    /// <summary>IA32_PASID of every thread of <paramref name="p"/> (the live copy for a running one): what
    /// ENQCMD puts in the descriptors they submit (Linux sets it when the mm gets its PASID).</summary>
    private void SetProcessPasid(GuestProcess p, uint pasid)
    {
        ulong value = Cpu.Cpu.PasidValid | pasid;
        foreach (var t in p.Threads)
        {
            t.Registers.Ia32Pasid = value;
            if (VcpuOf(t) is { } v)
            {
                v.Cpu.State.Ia32Pasid = value;
            }
        }
    }

    /// <summary>
    /// mmap of /dev/svaN: a device portal page, MAP_SHARED, one page, writable. Offset 0 is the
    /// dedicated work queue's portal for the caller's address space (MOVDIR64B; mapping it binds the
    /// address space as SVA_BIND does); offset 4096 is the shared work queue's portal (ENQCMD, with the
    /// thread's IA32_PASID). -EINVAL for anything else.
    /// </summary>
    private long MapPortal(GuestProcess p, SvaFileDescription sva, ulong addr, ulong length, ulong prot, ulong flags, ulong offset)
    {
        if ((flags & 3) != 1 || length == 0 || length > Page.Size || (prot & 2) == 0 || offset is not (0 or Page.Size))
        {
            return Return(Errno.EINVAL);
        }
        var device = ((SvaCharacterDevice)sva.Device).Sva;
        SvaPortal? portal;
        if (offset == 0)
        {
            if (!sva.Portals.TryGetValue(p.Mm, out portal))
            {
                long pasid = sva.File.Ioctl(p.Mm, SvaAbi.Bind, 0);
                if (pasid < 0)
                {
                    return pasid;
                }
                SetProcessPasid(p, (uint)pasid);
                portal = SvaPortal.Create(device, _machine.Frames, (uint)pasid);
                if (portal is null)
                {
                    return Return(Errno.ENOMEM);
                }
                sva.Portals[p.Mm] = portal;
            }
        }
        else
        {
            portal = device.SharedPortal ??= SvaPortal.Create(device, _machine.Frames, pasid: null);
            if (portal is null)
            {
                return Return(Errno.ENOMEM);
            }
        }
        var err = p.Mm.MmapShared(addr, Page.Size, (Protection)(uint)prot, (MapFlags)(uint)flags, portal.Page, 0, out ulong at);
        return err == Errno.Ok ? (long)at : Return(err);
    }

    /// <summary>Reads a NUL-terminated path of at most PATH_MAX bytes: 0, -EFAULT, -ENOENT (empty,
    /// unless <paramref name="allowEmpty"/>) or -ENAMETOOLONG.</summary>
    private long ReadPath(GuestProcess p, ulong va, out string? path, bool allowEmpty = false)
    {
        long err = ReadUserString(p.Mm, va, LinuxAbi.PathMax, out path, out int length);
        if (err != 0)
        {
            return err;
        }
        return length == 0 && !allowEmpty ? Return(Errno.ENOENT) : 0;
    }

    /// <summary>execve's file through the guest's file system (bounded by <see cref="MaxExecutableBytes"/>).
    /// A relative path with a directory descriptor (execveat) is resolved against that descriptor's path;
    /// AT_EMPTY_PATH with an empty path executes the descriptor's own file.</summary>
    private long ReadExecutable(GuestThread t, ulong dirfd, string path, bool noFollow, out byte[]? file, out string exePath)
    {
        file = null;
        exePath = path;
        var p = t.Process;
        if ((int)dirfd != -100 && (path.Length == 0 || path[0] != '/'))
        {
            var dir = p.Files.Peek((int)dirfd);
            if (dir is null)
            {
                return Return(Errno.EBADF);
            }
            path = path.Length == 0 ? dir.Path : dir.Path.TrimEnd('/') + "/" + path;
        }
        if (path == "/proc/self/exe" || path == $"/proc/{p.Pid}/exe")
        {
            // A magic link (fs/proc/base.c proc_exe_link): it reaches the process's executable even
            // when no path does — outside a --root, or since renamed. busybox re-executes itself so.
            file = p.ExeImage;
            exePath = p.ExePath;
            return file.Length > 0 ? 0 : Return(Errno.ENOENT);
        }
        var err = _fs.ReadExecutable(ContextOf(t), path, MaxExecutableBytes, out file, out string? guestPath);
        if (err != Errno.Ok)
        {
            return Return(err);
        }
        exePath = guestPath ?? path;
        return 0;
    }

    /// <summary>execve closes descriptors marked close-on-exec.</summary>
    private static void CloseOnExec(GuestProcess p) => p.Files.CloseOnExec();

    /// <summary>
    /// mmap of a file. MAP_SHARED of an in-memory file (a memfd, a file in /dev/shm or in the overlay's
    /// layer) maps the file's own pages: its contents move into a <see cref="SharedMemoryObject"/> that
    /// every mapping, read and write share (POSIX shared memory, memfd dual mappings). MAP_PRIVATE of a
    /// regular file gets anonymous private pages holding the file's bytes from <paramref name="offset"/>
    /// (zero past its end): the copy-on-write view, read eagerly. /dev/zero maps anonymous memory.
    /// MAP_SHARED of a host file maps its <see cref="HostSharedFile"/> (pages shared by every mapping,
    /// written back to the host); under the overlay a read-only one gets the private view and a
    /// writable one is -ENODEV (a writable open there copies the file up into memory first).
    /// </summary>
    private long MapFile(GuestProcess p, ulong addr, ulong length, ulong prot, ulong flags, ulong fd, ulong offset)
    {
        var file = p.Files.Acquire((int)fd);
        if (file is null)
        {
            return Return(Errno.EBADF);
        }
        try
        {
            if (file is SvaFileDescription sva)
            {
                return MapPortal(p, sva, addr, length, prot, flags, offset);
            }
            if (file.Stat(out var st) != Errno.Ok)
            {
                return Return(Errno.ENODEV);
            }
            bool shared = (flags & 3) is 1 or 3;
            if ((st.Mode & FsAbi.SIfmt) == FsAbi.SIfchr && file.Path == "/dev/zero")
            {
                var zerr = p.Mm.Mmap(addr, length, (Protection)(uint)prot, (MapFlags)(uint)(flags | LinuxAbi.MapAnonymous), out ulong zero);
                return zerr == Errno.Ok ? (long)zero : Return(zerr);
            }
            if ((st.Mode & FsAbi.SIfmt) != FsAbi.SIfreg)
            {
                return Return(Errno.ENODEV);
            }
            if (!file.CanRead || (shared && (prot & 2) != 0 && !file.CanWrite))
            {
                return Return(Errno.EACCES);
            }
            if (shared && file is MemFileDescription mem)
            {
                var obj = mem.File.ShareWith(_machine.Frames);
                if (obj is null)
                {
                    return Return(Errno.ENOMEM);
                }
                obj.PageWritten ??= pfn => _code.Invalidate(pfn << Page.Shift, Page.Size);
                _mappedFiles.AddOrUpdate(obj, new MappedFileName(file.Path, st.DevMajor, st.DevMinor, st.Ino));
                var serr = p.Mm.MmapShared(addr, length, (Protection)(uint)prot, (MapFlags)(uint)flags, obj, offset >> Page.Shift, out ulong at);
                return serr == Errno.Ok ? (long)at : Return(serr);
            }
            if (shared && file is HostFile host && host.SharedFiles is { } registry)
            {
                return MapHostShared(p, host, registry, addr, length, prot, flags, offset);
            }
            if (shared && (prot & 2) != 0)
            {
                // Only under the overlay, whose host files are read-only (a writable open copies up).
                Log.Unimplemented.Info("{0}: mmap MAP_SHARED|PROT_WRITE of {1}: the host file is read-only under the overlay (-ENODEV)", p, file.Path);
                return Return(Errno.ENODEV);
            }
            // Map writable and private, fill from the file, then apply the requested protection.
            ulong mapFlags = (flags & ~3UL) | 2 | LinuxAbi.MapAnonymous;
            var err = p.Mm.Mmap(addr, length, Protection.ReadWrite, (MapFlags)(uint)mapFlags, out ulong mapped);
            if (err != Errno.Ok)
            {
                return Return(err);
            }
            ulong fileBytes = st.Size > (long)offset ? Math.Min(length, (ulong)st.Size - offset) : 0;
            for (ulong done = 0; done < fileBytes;)
            {
                int chunk = (int)Math.Min(fileBytes - done, (ulong)_io.Length);
                if (file.ReadAt((long)(offset + done), _io.AsSpan(0, chunk), out int read) != Errno.Ok || read <= 0)
                {
                    break;
                }
                if (CopyToUser(p.Mm, mapped + done, _io.AsSpan(0, read)) != Errno.Ok)
                {
                    break;
                }
                done += (ulong)read;
            }
            if ((Protection)(uint)prot != Protection.ReadWrite)
            {
                p.Mm.Mprotect(mapped, length, (Protection)(uint)prot);
            }
            return (long)mapped;
        }
        finally
        {
            file.Release();
        }
    }

    /// <summary>The file each shared memory object maps, for /proc/PID/maps (weak: the object's
    /// lifetime is its mappings').</summary>
    private readonly System.Runtime.CompilerServices.ConditionalWeakTable<SharedMemoryObject, MappedFileName> _mappedFiles = new();

    /// <summary>How /proc/PID/maps names a shared file mapping.</summary>
    private sealed record MappedFileName(string Path, uint Major, uint Minor, ulong Ino);

    /// <summary>MAP_SHARED of a host file: the file's pages in a <see cref="HostSharedFile"/> shared by
    /// every mapping of it, read from the host now, written back on msync, fsync, a read or write of
    /// the file, and when the last mapping goes.</summary>
    private long MapHostShared(GuestProcess p, HostFile host, HostSharedFiles registry, ulong addr, ulong length, ulong prot, ulong flags, ulong offset)
    {
        if (!Page.TryAlignUp(length, out ulong span) || span == 0 || !Page.IsAligned(offset))
        {
            return Return(Errno.EINVAL);
        }
        var file = registry.Acquire(host, _machine.Frames, out Errno err);
        if (file is null)
        {
            return Return(err);
        }
        var obj = file.Object;
        try
        {
            err = file.Populate(offset >> Page.Shift, span >> Page.Shift);
            if (err != Errno.Ok)
            {
                return Return(err);
            }
            obj.PageWritten ??= pfn => _code.Invalidate(pfn << Page.Shift, Page.Size);
            _mappedFiles.AddOrUpdate(obj, new MappedFileName(host.Path, file.Key.Item1, file.Key.Item2, file.Key.Item3));
            err = p.Mm.MmapShared(addr, length, (Protection)(uint)prot, (MapFlags)(uint)flags, obj, offset >> Page.Shift, out ulong at);
            return err == Errno.Ok ? (long)at : Return(err);
        }
        finally
        {
            obj.Release(); // the hold: the new VMA keeps the object (or, if mapping failed, it goes)
        }
    }

    /// <summary>/proc/self/maps from the VMAs, in Linux's format (fs/proc/task_mmu.c show_map_vma): the
    /// image's file-backed ranges named by the executable's path with their file offsets, the break's
    /// range [heap], the initial stack [stack]. The model merges adjacent anonymous VMAs that Linux keeps
    /// apart (an image's .data, its .bss and the heap after it), so a VMA is printed as the pieces
    /// Linux would show.</summary>
    private string ProcMaps(GuestProcess p)
    {
        var sb = new StringBuilder();
        ulong brk = p.Mm.CurrentBrk;
        ulong heapEnd = p.HeapStart == 0 ? 0 : Page.AlignDown(brk + Page.Mask);
        var cuts = new List<ulong>();
        foreach (var vma in p.Mm.Vmas())
        {
            cuts.Clear();
            cuts.Add(vma.Start);
            cuts.Add(vma.End);
            foreach (var (start, end, _) in p.ImageRanges)
            {
                cuts.Add(start);
                cuts.Add(end);
            }
            if (heapEnd > p.HeapStart)
            {
                cuts.Add(p.HeapStart);
            }
            cuts.Sort();
            for (int i = 0; i + 1 < cuts.Count; i++)
            {
                ulong lo = cuts[i], hi = cuts[i + 1];
                if (lo < vma.Start || hi > vma.End || lo >= hi)
                {
                    continue;
                }
                AppendMapsLine(sb, p, vma, lo, hi, heapEnd);
            }
        }
        return sb.ToString();
    }

    private void AppendMapsLine(StringBuilder sb, GuestProcess p, Vma vma, ulong lo, ulong hi, ulong heapEnd)
    {
        string name = "";
        string device = "00:00 0";
        ulong offset = 0;
        foreach (var (start, end, off) in p.ImageRanges)
        {
            if (lo >= start && lo < end)
            {
                name = p.ExePath;
                offset = off + (lo - start);
                break;
            }
        }
        if (name.Length == 0 && lo >= p.HeapStart && hi <= heapEnd && heapEnd > p.HeapStart)
        {
            name = "[heap]";
        }
        else if (name.Length == 0 && lo <= p.StackStart && hi >= p.StackStart)
        {
            name = "[stack]";
        }
        if (vma.IsShared)
        {
            offset = (vma.PgOff + ((lo - vma.Start) >> Page.Shift)) * Page.Size;
            if (_mappedFiles.TryGetValue(vma.Shared!, out var mapped))
            {
                // A mapped file (host, tmpfs, /dev/shm, memfd): its path, device and inode, as Linux
                // prints a file mapping.
                name = mapped.Path;
                device = $"{mapped.Major:x2}:{mapped.Minor:x2} {mapped.Ino}";
            }
            name = name.Length == 0 ? "/dev/zero (deleted)" : name;
        }
        char r = (vma.Prot & Protection.Read) != 0 ? 'r' : '-';
        char w = (vma.Prot & Protection.Write) != 0 ? 'w' : '-';
        char x = (vma.Prot & Protection.Exec) != 0 ? 'x' : '-';
        char s = vma.IsShared ? 's' : 'p';
        int before = sb.Length;
        sb.Append($"{lo:x8}-{hi:x8} {r}{w}{x}{s} {offset:x8} {device}");
        if (name.Length > 0)
        {
            sb.Append(' ', Math.Max(1, 73 - (sb.Length - before)));
            sb.Append(name);
        }
        else
        {
            sb.Append(' '); // Linux pads the inode column even when no name follows
        }
        sb.Append('\n');
    }
}

using System.Text;
using Emulator.Core.Diagnostics;
using Emulator.Core.Kernel.Sys;
using Emulator.Core.Memory;

namespace Emulator.Core.Kernel;

public sealed partial class GuestKernel
{
    /// <summary>The open file description behind <paramref name="fd"/>, or null (not open).</summary>
    private static GuestFile? FileOf(GuestProcess p, ulong fd) =>
        fd < (ulong)p.Files.Count ? p.Files[(int)fd] : null;

    /// <summary>read(2): the console's stdin is at end of file; stdout/stderr are write-only; a device
    /// node has no read operation (-EINVAL, as Linux answers for such a character device).</summary>
    private static long ReadFile(GuestProcess p, ulong fd, ulong buf, ulong count) => FileOf(p, fd)?.Kind switch
    {
        null => Return(Errno.EBADF),
        GuestFileKind.Stdin => 0,
        GuestFileKind.Stdout or GuestFileKind.Stderr => Return(Errno.EBADF),
        _ => Return(Errno.EINVAL),
    };

    /// <summary>write(2) to the console: the bytes are read from guest memory a page at a time and go to
    /// the host stream. A buffer that faults at its start is -EFAULT; one that faults later is a short
    /// write, as Linux returns.</summary>
    private long WriteFile(GuestProcess p, ulong fd, ulong buf, ulong count)
    {
        var file = FileOf(p, fd);
        Stream? sink;
        switch (file?.Kind)
        {
            case null:
            case GuestFileKind.Stdin:
                return Return(Errno.EBADF);
            case GuestFileKind.Stdout:
                sink = _options.Stdout;
                break;
            case GuestFileKind.Stderr:
                sink = _options.Stderr;
                break;
            default:
                return Return(Errno.EINVAL);
        }
        count = Math.Min(count, LinuxAbi.MaxRwCount);
        ulong done = 0;
        while (done < count)
        {
            ulong va = buf + done;
            if (va < buf)
            {
                break; // wrapped around the address space
            }
            int chunk = (int)Math.Min(count - done, Page.Size - (va & (Page.Size - 1)));
            if (p.Mm.ReadUser(va, _io.AsSpan(0, chunk), out _) != Errno.Ok)
            {
                break;
            }
            sink?.Write(_io, 0, chunk);
            done += (ulong)chunk;
        }
        return done == 0 && count != 0 ? Return(Errno.EFAULT) : (long)done;
    }

    /// <summary>open(2)/openat(2): only <c>/dev/svaN</c> exists (an absolute path, so the directory
    /// descriptor does not matter). Each open is a new open file description on the lowest free fd.</summary>
    private long OpenFile(GuestProcess p, ulong pathVa, ulong flags)
    {
        long err = ReadPath(p, pathVa, out string? path);
        if (err != 0)
        {
            return err;
        }
        SvaCharDeviceLookup(path!, out var device);
        if (device is null)
        {
            Log.GuestError.Debug("{0}: open {1}: no such file (only /dev/svaN exist)", p, path);
            return Return(Errno.ENOENT);
        }
        if ((flags & LinuxAbi.ODirectory) != 0)
        {
            return -LinuxAbi.ENOTDIR;
        }
        int fd = p.Files.IndexOf(null);
        if (fd < 0)
        {
            if (p.Files.Count >= GuestProcess.MaxFiles)
            {
                return -LinuxAbi.EMFILE;
            }
            fd = p.Files.Count;
            p.Files.Add(null);
        }
        p.Files[fd] = GuestFile.Sva(device.Open());
        return fd;
    }

    private void SvaCharDeviceLookup(string path, out Devices.SvaCharDevice? device)
    {
        device = null;
        foreach (var d in _devices)
        {
            if (d.Path == path)
            {
                device = d;
                return;
            }
        }
    }

    /// <summary>Reads a NUL-terminated path of at most PATH_MAX bytes: 0, -EFAULT or -ENAMETOOLONG.</summary>
    private long ReadPath(GuestProcess p, ulong va, out string? path)
    {
        path = null;
        var bytes = new List<byte>();
        while (bytes.Count < LinuxAbi.PathMax)
        {
            ulong at = va + (ulong)bytes.Count;
            int chunk = (int)Math.Min((ulong)(LinuxAbi.PathMax - bytes.Count), Page.Size - (at & (Page.Size - 1)));
            if (at < va || p.Mm.ReadUser(at, _io.AsSpan(0, chunk), out _) != Errno.Ok)
            {
                return Return(Errno.EFAULT);
            }
            int nul = Array.IndexOf(_io, (byte)0, 0, chunk);
            if (nul >= 0)
            {
                bytes.AddRange(_io.AsSpan(0, nul));
                path = Encoding.UTF8.GetString(bytes.ToArray());
                return path.Length == 0 ? Return(Errno.ENOENT) : 0;
            }
            bytes.AddRange(_io.AsSpan(0, chunk));
        }
        return -LinuxAbi.ENAMETOOLONG;
    }

    /// <summary>close(2): the descriptor is freed; the last close of a description releases it.</summary>
    private static long CloseFile(GuestProcess p, ulong fd)
    {
        var file = FileOf(p, fd);
        if (file is null)
        {
            return Return(Errno.EBADF);
        }
        p.Files[(int)fd] = null;
        file.Close();
        return 0;
    }

    /// <summary>ioctl(2): routed to the SVA device file with the caller's mm; the console has no ioctls
    /// this kernel implements (-ENOTTY).</summary>
    private static long IoctlFile(GuestProcess p, ulong fd, ulong cmd, ulong arg)
    {
        var file = FileOf(p, fd);
        if (file is null)
        {
            return Return(Errno.EBADF);
        }
        return file.Device is { } device ? device.Ioctl(p.Mm, (uint)cmd, arg) : Return(Errno.ENOTTY);
    }
}

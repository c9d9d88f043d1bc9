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

    /// <summary>The file system calls: read, write, open, openat, close and ioctl on the console and
    /// the SVA devices.</summary>
    private bool TryFileSyscall(Vcpu v, GuestThread t, ulong nr, ulong a0, ulong a1, ulong a2, ulong a3, ulong a4, ulong a5, out long result)
    {
        var p = t.Process;
        switch (nr)
        {
            case Nr.Read: result = ReadFile(p, a0, a1, a2); return true;
            case Nr.Write: result = WriteFile(t, a0, a1, a2); return true;
            case Nr.Open: result = OpenFile(p, a0, a1); return true;
            case LinuxAbi.Openat: result = OpenFile(p, a1, a2); return true;
            case Nr.Close: result = CloseFile(p, a0); return true;
            case Nr.Ioctl:
                result = IoctlFile(p, a0, a1, a2);
                // The device may have DMA-written anywhere in the process (SVA_SUBMIT's destination and
                // completion record), code pages included: drop every decoded page.
                _code.InvalidateAll();
                return true;
            default:
                result = 0;
                return false;
        }
    }

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
    private long WriteFile(GuestThread t, ulong fd, ulong buf, ulong count)
    {
        var p = t.Process;
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
        Devices.SvaCharDevice? device = null;
        foreach (var d in _devices)
        {
            if (d.Path == path)
            {
                device = d;
            }
        }
        if (device is null)
        {
            Log.GuestError.Debug("{0}: open {1}: no such file (only /dev/svaN exist)", p, path);
            return Return(Errno.ENOENT);
        }
        if ((flags & LinuxAbi.ODirectory) != 0)
        {
            return Return(Errno.ENOTDIR);
        }
        int fd = p.Files.IndexOf(null);
        if (fd < 0)
        {
            if (p.Files.Count >= GuestProcess.MaxFiles)
            {
                return Return(Errno.EMFILE);
            }
            fd = p.Files.Count;
            p.Files.Add(null);
        }
        p.Files[fd] = GuestFile.Sva(device.Open());
        return fd;
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

    /// <summary>execve's file: the host file at <paramref name="path"/>, read whole (bounded by
    /// <see cref="MaxExecutableBytes"/>) when it is a regular file its owner may execute.</summary>
    private long ReadExecutable(GuestThread t, ulong dirfd, string path, bool noFollow, out byte[]? file, out string exePath)
    {
        file = null;
        exePath = path;
        try
        {
            var info = new FileInfo(path);
            if (!info.Exists)
            {
                return Directory.Exists(path) ? Return(Errno.EACCES) : Return(Errno.ENOENT);
            }
            if ((info.UnixFileMode & (UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute)) == 0)
            {
                return Return(Errno.EACCES);
            }
            if (info.Length > MaxExecutableBytes)
            {
                return Return(Errno.ENOMEM);
            }
            file = File.ReadAllBytes(path);
            exePath = Path.GetFullPath(path);
            return 0;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return Return(Errno.EACCES);
        }
    }

    /// <summary>execve closes descriptors marked close-on-exec.</summary>
    private static void CloseOnExec(GuestProcess p)
    {
    }

    /// <summary>mmap of a file descriptor: the console and device nodes have no mmap operation (-ENODEV).</summary>
    private static long MapFile(GuestProcess p, ulong addr, ulong length, ulong prot, ulong flags, ulong fd, ulong offset) =>
        FileOf(p, fd) is null ? Return(Errno.EBADF) : Return(Errno.ENODEV);
}

using Emulator.Core.Memory;

namespace Emulator.Core.Kernel.Fs;

/// <summary>
/// The host files mapped MAP_SHARED in this file system, by (device, inode): one
/// <see cref="HostSharedFile"/> per file however many descriptors and processes map it, so every
/// mapping shares its pages. Used from the kernel's thread only.
/// </summary>
internal sealed class HostSharedFiles
{
    private readonly Dictionary<(uint, uint, ulong), HostSharedFile> _files = [];

    /// <summary>True when no host file is mapped shared: the descriptors' fast path.</summary>
    public bool IsEmpty => _files.Count == 0;

    /// <summary>The object of the file open as <paramref name="hostFd"/>, created when the file is not
    /// mapped yet, and held once for the caller (who maps it, then calls <c>Object.Release()</c>).</summary>
    /// <param name="hostFd">The description's host descriptor.</param>
    /// <param name="frames">Guest RAM.</param>
    /// <param name="mayWrite">The description was opened for writing (VM_MAYWRITE): the pages are written back.</param>
    /// <param name="err">Why there is none.</param>
    /// <param name="path">The guest's path of the file (named in /proc/PID/maps).</param>
    public HostSharedFile? Acquire(int hostFd, FrameAllocator frames, bool mayWrite, string path, out Errno err)
    {
        err = HostLibc.Fstat(hostFd, out FileStat st);
        if (err != Errno.Ok)
        {
            return null;
        }
        var key = (st.DevMajor, st.DevMinor, st.Ino);
        if (_files.TryGetValue(key, out var file))
        {
            err = file.Admit(hostFd, mayWrite);
            if (err != Errno.Ok)
            {
                return null;
            }
            file.Object.Hold();
            return file;
        }
        file = HostSharedFile.Create(this, key, frames, hostFd, mayWrite, path, out err);
        if (file is not null)
        {
            _files.Add(key, file);
        }
        return file;
    }

    /// <summary>The mapped file behind <paramref name="hostFd"/>, if it is mapped.</summary>
    public HostSharedFile? Find(int hostFd)
    {
        if (_files.Count == 0 || HostLibc.Fstat(hostFd, out FileStat st) != Errno.Ok)
        {
            return null;
        }
        return _files.GetValueOrDefault((st.DevMajor, st.DevMinor, st.Ino));
    }

    /// <summary>msync: every mapped host file written back (the first error, if any).</summary>
    public Errno WriteBackAll()
    {
        Errno first = Errno.Ok;
        foreach (var file in _files.Values.ToArray())
        {
            Errno err = file.WriteBack();
            if (first == Errno.Ok)
            {
                first = err;
            }
        }
        return first;
    }

    internal void Forget(HostSharedFile file) => _files.Remove(file.Key);
}

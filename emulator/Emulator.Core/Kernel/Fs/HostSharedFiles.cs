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

    /// <summary>The object of <paramref name="file"/>, created when the file is not mapped yet, and
    /// held once for the caller (who maps it, then calls <c>Object.Release()</c>).</summary>
    /// <param name="file">The description being mapped.</param>
    /// <param name="frames">Guest RAM.</param>
    /// <param name="err">Why there is none.</param>
    public HostSharedFile? Acquire(HostFile file, FrameAllocator frames, out Errno err)
    {
        err = file.Identity(out var key);
        if (err != Errno.Ok)
        {
            return null;
        }
        // The description was opened for writing (VM_MAYWRITE): the pages are written back.
        if (_files.TryGetValue(key, out var shared))
        {
            err = shared.Admit(file.HostFd, file.CanWrite);
            if (err != Errno.Ok)
            {
                return null;
            }
            shared.Object.Hold();
            return shared;
        }
        shared = HostSharedFile.Create(this, key, frames, file.HostFd, file.CanWrite, out err);
        if (shared is not null)
        {
            _files.Add(key, shared);
        }
        return shared;
    }

    /// <summary>The mapped pages of <paramref name="file"/>'s file, if it is mapped.</summary>
    public HostSharedFile? Find(HostFile file) =>
        _files.Count == 0 || file.Identity(out var key) != Errno.Ok ? null : _files.GetValueOrDefault(key);

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

namespace Emulator.Core.Kernel.Fs;

/// <summary>
/// A descriptor table (Linux's <c>files_struct</c>): descriptor numbers → open file descriptions, each
/// with its FD_CLOEXEC flag. New descriptors take the lowest free number; numbers stay below
/// <see cref="Limit"/> (RLIMIT_NOFILE, 1024 by default).
/// </summary>
/// <remarks>
/// <para>Shared by threads created with CLONE_FILES; fork takes a <see cref="Clone"/> (every description
/// gains a reference) and execve calls <see cref="CloseOnExec"/>.</para>
/// <para>Thread-safe. A description is released outside the lock, since the last release may wake
/// pipe waiters (which call into the kernel).</para>
/// </remarks>
public sealed class FdTable
{
    private struct Entry
    {
        public FileDescription? File;
        public bool CloseOnExec;
    }

    /// <summary>Guards <see cref="_entries"/>, <see cref="_limit"/>, <see cref="_used"/>.</summary>
    private readonly Lock _lock = new();
    private Entry[] _entries;
    private int _limit = FsAbi.DefaultNofile;
    private int _used;

    public FdTable() => _entries = new Entry[64];

    private FdTable(Entry[] entries, int limit, int used)
    {
        _entries = entries;
        _limit = limit;
        _used = used;
    }

    /// <summary>RLIMIT_NOFILE's soft limit: descriptors are numbered below it. The kernel's prlimit sets it
    /// (at most <see cref="FsAbi.NrOpen"/>); lowering it does not close anything, as in Linux.</summary>
    public int Limit
    {
        get
        {
            using (_lock.EnterScope())
            {
                return _limit;
            }
        }
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 0);
            ArgumentOutOfRangeException.ThrowIfGreaterThan(value, FsAbi.NrOpen);
            using (_lock.EnterScope())
            {
                _limit = value;
            }
        }
    }

    /// <summary>Descriptors open.</summary>
    public int Count
    {
        get
        {
            using (_lock.EnterScope())
            {
                return _used;
            }
        }
    }

    /// <summary>The slots allocated so far (Linux's max_fds: select clamps nfds to it).</summary>
    public int Capacity
    {
        get
        {
            using (_lock.EnterScope())
            {
                return _entries.Length;
            }
        }
    }

    /// <summary>Whether a descriptor ≥ <paramref name="minFd"/> is free below the limit (open checks this
    /// before it looks the path up, so EMFILE wins over ENOENT, as in Linux).</summary>
    public bool HasFree(int minFd = 0)
    {
        using (_lock.EnterScope())
        {
            return LowestFreeLocked(Math.Max(minFd, 0)) >= 0;
        }
    }

    /// <summary>Installs <paramref name="file"/> on the lowest free descriptor ≥ <paramref name="minFd"/>,
    /// taking over the caller's reference (on failure the caller still owns it).</summary>
    /// <returns>The descriptor, or -EMFILE.</returns>
    public int Install(FileDescription file, bool closeOnExec, int minFd = 0)
    {
        ArgumentNullException.ThrowIfNull(file);
        using (_lock.EnterScope())
        {
            int fd = LowestFreeLocked(Math.Max(minFd, 0));
            if (fd < 0)
            {
                return -(int)Errno.EMFILE;
            }
            _entries[fd] = new Entry { File = file, CloseOnExec = closeOnExec };
            _used++;
            return fd;
        }
    }

    /// <summary>The description behind <paramref name="fd"/> with a reference taken for the caller, who
    /// must <see cref="FileDescription.Release"/> it (so a concurrent close cannot free it mid-call).</summary>
    public FileDescription? Acquire(int fd)
    {
        using (_lock.EnterScope())
        {
            if ((uint)fd >= (uint)_entries.Length)
            {
                return null;
            }
            return _entries[fd].File?.AddReference();
        }
    }

    /// <summary>The description behind <paramref name="fd"/> without taking a reference (for listing).</summary>
    public FileDescription? Peek(int fd)
    {
        using (_lock.EnterScope())
        {
            return (uint)fd < (uint)_entries.Length ? _entries[fd].File : null;
        }
    }

    /// <summary>FD_CLOEXEC of <paramref name="fd"/>, or null when it is not open.</summary>
    public bool? GetCloseOnExec(int fd)
    {
        using (_lock.EnterScope())
        {
            return (uint)fd < (uint)_entries.Length && _entries[fd].File is not null ? _entries[fd].CloseOnExec : null;
        }
    }

    /// <summary>Sets FD_CLOEXEC; false when <paramref name="fd"/> is not open.</summary>
    public bool SetCloseOnExec(int fd, bool value)
    {
        using (_lock.EnterScope())
        {
            if ((uint)fd >= (uint)_entries.Length || _entries[fd].File is null)
            {
                return false;
            }
            _entries[fd].CloseOnExec = value;
            return true;
        }
    }

    /// <summary>close(2).</summary>
    public Errno Close(int fd)
    {
        FileDescription? file;
        using (_lock.EnterScope())
        {
            if ((uint)fd >= (uint)_entries.Length || _entries[fd].File is null)
            {
                return Errno.EBADF;
            }
            file = _entries[fd].File;
            _entries[fd] = default;
            _used--;
        }
        file!.Release();
        return Errno.Ok;
    }

    /// <summary>dup2/dup3: makes <paramref name="newFd"/> refer to <paramref name="oldFd"/>'s description,
    /// closing what it referred to. Same numbers: nothing changes.</summary>
    /// <returns><paramref name="newFd"/>, -EBADF (old not open, new out of range), or -EMFILE.</returns>
    public int Duplicate(int oldFd, int newFd, bool closeOnExec)
    {
        FileDescription? replaced;
        using (_lock.EnterScope())
        {
            if ((uint)oldFd >= (uint)_entries.Length || _entries[oldFd].File is not { } file)
            {
                return -(int)Errno.EBADF;
            }
            if ((uint)newFd >= (uint)_limit)
            {
                return -(int)Errno.EBADF;
            }
            if (oldFd == newFd)
            {
                return newFd;
            }
            Grow(newFd + 1);
            replaced = _entries[newFd].File;
            if (replaced is null)
            {
                _used++;
            }
            _entries[newFd] = new Entry { File = file.AddReference(), CloseOnExec = closeOnExec };
        }
        replaced?.Release();
        return newFd;
    }

    /// <summary>close_range: closes (or, with <paramref name="cloexecOnly"/>, marks FD_CLOEXEC) every open
    /// descriptor in [<paramref name="first"/>, <paramref name="last"/>].</summary>
    public void CloseRange(uint first, uint last, bool cloexecOnly)
    {
        List<FileDescription>? closed = null;
        using (_lock.EnterScope())
        {
            uint end = Math.Min(last, (uint)_entries.Length - 1);
            for (uint fd = first; fd <= end && fd < (uint)_entries.Length; fd++)
            {
                if (_entries[fd].File is not { } file)
                {
                    continue;
                }
                if (cloexecOnly)
                {
                    _entries[fd].CloseOnExec = true;
                    continue;
                }
                (closed ??= []).Add(file);
                _entries[fd] = default;
                _used--;
            }
        }
        if (closed is not null)
        {
            foreach (var f in closed)
            {
                f.Release();
            }
        }
    }

    /// <summary>fork (or clone without CLONE_FILES): a copy sharing every description.</summary>
    public FdTable Clone()
    {
        using (_lock.EnterScope())
        {
            var copy = (Entry[])_entries.Clone();
            foreach (var e in copy)
            {
                e.File?.AddReference();
            }
            return new FdTable(copy, _limit, _used);
        }
    }

    /// <summary>execve: closes every descriptor marked FD_CLOEXEC.</summary>
    public void CloseOnExec()
    {
        List<FileDescription>? closed = null;
        using (_lock.EnterScope())
        {
            for (int fd = 0; fd < _entries.Length; fd++)
            {
                if (_entries[fd].File is { } file && _entries[fd].CloseOnExec)
                {
                    (closed ??= []).Add(file);
                    _entries[fd] = default;
                    _used--;
                }
            }
        }
        if (closed is not null)
        {
            foreach (var f in closed)
            {
                f.Release();
            }
        }
    }

    /// <summary>The last task using the table exited: closes everything.</summary>
    public void CloseAll() => CloseRange(0, uint.MaxValue, cloexecOnly: false);

    /// <summary>The open descriptor numbers, ascending (for /proc/self/fd).</summary>
    public int[] OpenDescriptors()
    {
        using (_lock.EnterScope())
        {
            var fds = new int[_used];
            int n = 0;
            for (int fd = 0; fd < _entries.Length && n < fds.Length; fd++)
            {
                if (_entries[fd].File is not null)
                {
                    fds[n++] = fd;
                }
            }
            return fds;
        }
    }

    private int LowestFreeLocked(int minFd)
    {
        for (int fd = minFd; fd < _limit; fd++)
        {
            if (fd >= _entries.Length)
            {
                Grow(fd + 1);
            }
            if (_entries[fd].File is null)
            {
                return fd;
            }
        }
        return -1;
    }

    private void Grow(int needed)
    {
        if (needed <= _entries.Length)
        {
            return;
        }
        int size = _entries.Length;
        while (size < needed)
        {
            size *= 2;
        }
        Array.Resize(ref _entries, size);
    }
}

namespace Emulator.Core.Kernel.Fs;

/// <summary>
/// A task's file system context (Linux's <c>struct fs_struct</c>): the working directory and the
/// umask. Threads created with CLONE_FS share one; fork and clone without CLONE_FS take a <see cref="Clone"/>.
/// </summary>
/// <remarks>The working directory is kept as a canonical guest path (absolute, no <c>.</c>, <c>..</c>
/// or symlinks), re-resolved by every relative lookup. Thread-safe.</remarks>
public sealed class FsContext
{
    /// <summary>Guards <see cref="_cwd"/> and <see cref="_umask"/>.</summary>
    private readonly Lock _lock = new();
    private string _cwd;
    private uint _umask;

    /// <param name="cwd">The initial working directory (canonical guest path; see
    /// <see cref="GuestFileSystem.InitialWorkingDirectory"/>).</param>
    /// <param name="umask">The initial umask (0022 is what a login shell usually hands down).</param>
    public FsContext(string cwd = "/", uint umask = 0x12)
    {
        ArgumentNullException.ThrowIfNull(cwd);
        _cwd = cwd;
        _umask = umask & 0x1ff;
    }

    /// <summary>The working directory, a canonical guest path.</summary>
    public string Cwd
    {
        get
        {
            using (_lock.EnterScope())
            {
                return _cwd;
            }
        }
        set
        {
            ArgumentNullException.ThrowIfNull(value);
            using (_lock.EnterScope())
            {
                _cwd = value;
            }
        }
    }

    /// <summary>The file mode creation mask (9 permission bits).</summary>
    public uint Umask
    {
        get
        {
            using (_lock.EnterScope())
            {
                return _umask;
            }
        }
    }

    /// <summary>umask(2): sets the mask to <paramref name="mask"/> &amp; 0777 and returns the previous one.</summary>
    public uint ExchangeUmask(uint mask)
    {
        using (_lock.EnterScope())
        {
            uint old = _umask;
            _umask = mask & 0x1ff;
            return old;
        }
    }

    /// <summary>A private copy (fork, or clone without CLONE_FS).</summary>
    public FsContext Clone()
    {
        using (_lock.EnterScope())
        {
            return new FsContext(_cwd, _umask);
        }
    }
}

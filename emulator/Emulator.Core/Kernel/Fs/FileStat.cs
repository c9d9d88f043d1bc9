namespace Emulator.Core.Kernel.Fs;

/// <summary>
/// What stat reports about a file, independent of the layout the guest asked for: encoded as
/// <c>struct stat</c> or <c>struct statx</c> by <see cref="StatLayout"/>.
/// </summary>
/// <remarks>Device numbers are kept as (major, minor), as statx reports them; struct stat packs them
/// with the kernel's new_encode_dev.</remarks>
public struct FileStat
{
    public uint DevMajor;
    public uint DevMinor;
    public ulong Ino;

    /// <summary>st_mode: the S_IF* type and the permission bits.</summary>
    public uint Mode;
    public uint Nlink;
    public uint Uid;
    public uint Gid;
    public uint RdevMajor;
    public uint RdevMinor;
    public long Size;
    public int BlockSize;

    /// <summary>512-byte blocks allocated.</summary>
    public long Blocks;
    public Timespec Atime;
    public Timespec Mtime;
    public Timespec Ctime;
    public Timespec Btime;

    /// <summary>statx's stx_mask: which fields are filled (STATX_BASIC_STATS at least).</summary>
    public uint Mask;
    public ulong Attributes;
    public ulong AttributesMask;
    public ulong MountId;

    /// <summary>The S_IF* bits.</summary>
    public readonly uint Type => Mode & FsAbi.SIfmt;

    public readonly bool IsDirectory => Type == FsAbi.SIfdir;

    public readonly bool IsRegular => Type == FsAbi.SIfreg;

    public readonly bool IsSymlink => Type == FsAbi.SIflnk;

    /// <summary>The d_type of a directory entry for this file.</summary>
    public readonly byte DirentType => DirentTypeOf(Mode);

    /// <summary>The d_type for a file of mode <paramref name="mode"/> (DT_* is the S_IF* nibble).</summary>
    public static byte DirentTypeOf(uint mode) => (byte)((mode & FsAbi.SIfmt) >> 12);

    /// <summary>The kernel's new_encode_dev: the 32-bit dev_t that struct stat carries.</summary>
    public static ulong EncodeDev(uint major, uint minor) => (minor & 0xff) | (major << 8) | ((ulong)(minor & ~0xffu) << 12);
}

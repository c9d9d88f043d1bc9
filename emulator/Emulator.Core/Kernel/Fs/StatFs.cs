using System.Buffers.Binary;

namespace Emulator.Core.Kernel.Fs;

/// <summary><c>struct statfs</c> (x86-64, 120 bytes: eleven 64-bit words then f_spare[4]): f_type 0,
/// f_bsize 8, f_blocks 16, f_bfree 24, f_bavail 32, f_files 40, f_ffree 48, f_fsid 56, f_namelen 64,
/// f_frsize 72, f_flags 80.</summary>
/// <remarks>include/uapi/asm-generic/statfs.h with __statfs_word = long.</remarks>
public struct StatFs
{
    public const int Size = 120;
    public const int OffsetType = 0, OffsetBsize = 8, OffsetBlocks = 16, OffsetBfree = 24, OffsetBavail = 32,
        OffsetFiles = 40, OffsetFfree = 48, OffsetFsid = 56, OffsetNamelen = 64, OffsetFrsize = 72, OffsetFlags = 80;

    public long Type;
    public long BlockSize;
    public long Blocks;
    public long BlocksFree;
    public long BlocksAvailable;
    public long Files;
    public long FilesFree;
    public ulong FsId;
    public long NameMax;
    public long FragmentSize;
    public long Flags;

    /// <summary>An empty in-memory file system of type <paramref name="magic"/> (proc, tmpfs, pipefs…).</summary>
    public static StatFs Synthetic(long magic) => new()
    {
        Type = magic,
        BlockSize = 4096,
        NameMax = FsAbi.NameMax,
        FragmentSize = 4096,
        Flags = 0x20, // ST_VALID: the flags word is meaningful (fs/statfs.c always sets it)
    };

    public static StatFs Read(ReadOnlySpan<byte> b) => new()
    {
        Type = BinaryPrimitives.ReadInt64LittleEndian(b[OffsetType..]),
        BlockSize = BinaryPrimitives.ReadInt64LittleEndian(b[OffsetBsize..]),
        Blocks = BinaryPrimitives.ReadInt64LittleEndian(b[OffsetBlocks..]),
        BlocksFree = BinaryPrimitives.ReadInt64LittleEndian(b[OffsetBfree..]),
        BlocksAvailable = BinaryPrimitives.ReadInt64LittleEndian(b[OffsetBavail..]),
        Files = BinaryPrimitives.ReadInt64LittleEndian(b[OffsetFiles..]),
        FilesFree = BinaryPrimitives.ReadInt64LittleEndian(b[OffsetFfree..]),
        FsId = BinaryPrimitives.ReadUInt64LittleEndian(b[OffsetFsid..]),
        NameMax = BinaryPrimitives.ReadInt64LittleEndian(b[OffsetNamelen..]),
        FragmentSize = BinaryPrimitives.ReadInt64LittleEndian(b[OffsetFrsize..]),
        Flags = BinaryPrimitives.ReadInt64LittleEndian(b[OffsetFlags..]),
    };

    public readonly void Write(Span<byte> b)
    {
        b[..Size].Clear();
        BinaryPrimitives.WriteInt64LittleEndian(b[OffsetType..], Type);
        BinaryPrimitives.WriteInt64LittleEndian(b[OffsetBsize..], BlockSize);
        BinaryPrimitives.WriteInt64LittleEndian(b[OffsetBlocks..], Blocks);
        BinaryPrimitives.WriteInt64LittleEndian(b[OffsetBfree..], BlocksFree);
        BinaryPrimitives.WriteInt64LittleEndian(b[OffsetBavail..], BlocksAvailable);
        BinaryPrimitives.WriteInt64LittleEndian(b[OffsetFiles..], Files);
        BinaryPrimitives.WriteInt64LittleEndian(b[OffsetFfree..], FilesFree);
        BinaryPrimitives.WriteUInt64LittleEndian(b[OffsetFsid..], FsId);
        BinaryPrimitives.WriteInt64LittleEndian(b[OffsetNamelen..], NameMax);
        BinaryPrimitives.WriteInt64LittleEndian(b[OffsetFrsize..], FragmentSize);
        BinaryPrimitives.WriteInt64LittleEndian(b[OffsetFlags..], Flags);
    }
}
